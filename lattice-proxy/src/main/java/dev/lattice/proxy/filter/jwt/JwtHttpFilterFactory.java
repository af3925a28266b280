package dev.lattice.proxy.filter.jwt;

import com.google.protobuf.Any;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's JWT authentication filter ({@code envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication} in
 * {@code http_filters}, each route's {@code PerRouteConfig} naming a requirement), as {@link JwtAuthnFilter} runs it.
 * The proxy never fetches keys: a provider must carry {@code local_jwks} inline (the control plane inlines what it
 * fetched); {@code remote_jwks} and the requirement forms Lattice does not send are refused by field. Each key set is
 * parsed and each key's verifier made here, when the config arrives, never on the request path; a key the proxy cannot
 * use (HMAC, an unknown curve, {@code use: enc}) is left out, and a provider left without keys refuses every token.
 */
public final class JwtHttpFilterFactory implements HttpFilterFactory {
    static final String TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
    static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig";
    private static final Set<JWSAlgorithm> RSA = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

    /** The parsed config: requirements by name. */
    record Parsed(Map<String, JwtAuthnFilter.Requirement> requirements) {}

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        JwtAuthentication c = HttpFilterFactory.unpack(resource, path, typedConfig, JwtAuthentication.class);
        if (c.getRulesCount() > 0) throw new XdsRejection(resource, path + ".rules: unsupported (name requirements in requirement_map, per route)");
        if (c.hasFilterStateRules()) throw new XdsRejection(resource, path + ".filter_state_rules: unsupported");
        Map<String, JwtProviderConfig> providers = new LinkedHashMap<>();
        for (Map.Entry<String, JwtProvider> e : c.getProvidersMap().entrySet()) {
            providers.put(e.getKey(), provider(resource, path + ".providers[" + e.getKey() + "]", e.getKey(), e.getValue()));
        }
        Map<String, JwtAuthnFilter.Requirement> reqs = new LinkedHashMap<>();
        for (Map.Entry<String, JwtRequirement> e : c.getRequirementMapMap().entrySet()) {
            String rp = path + ".requirement_map[" + e.getKey() + "]";
            JwtRequirement r = e.getValue();
            List<JwtProviderConfig> list = new ArrayList<>();
            boolean allowMissing = false;
            switch (r.getRequiresTypeCase()) {
                case PROVIDER_NAME -> list.add(named(resource, rp + ".provider_name", providers, r.getProviderName()));
                case REQUIRES_ANY -> {
                    for (int i = 0; i < r.getRequiresAny().getRequirementsCount(); i++) {
                        JwtRequirement x = r.getRequiresAny().getRequirements(i);
                        String xp = rp + ".requires_any.requirements[" + i + "]";
                        switch (x.getRequiresTypeCase()) {
                            case PROVIDER_NAME -> list.add(named(resource, xp + ".provider_name", providers, x.getProviderName()));
                            case ALLOW_MISSING -> allowMissing = true;
                            default -> throw new XdsRejection(resource, xp + ": unsupported " + x.getRequiresTypeCase()
                                    + " (provider_name or allow_missing)");
                        }
                    }
                }
                default -> throw new XdsRejection(resource, rp + ": unsupported " + r.getRequiresTypeCase()
                        + " (provider_name or requires_any)");
            }
            reqs.put(e.getKey(), new JwtAuthnFilter.Requirement(list, allowMissing));
        }
        return new Parsed(reqs);
    }

    private static JwtProviderConfig named(String res, String path, Map<String, JwtProviderConfig> providers, String name)
            throws XdsRejection {
        JwtProviderConfig p = providers.get(name);
        if (p == null) throw new XdsRejection(res, path + ": no provider \"" + name + "\"");
        return p;
    }

    static JwtProviderConfig provider(String res, String path, String name, JwtProvider p) throws XdsRejection {
        if (p.hasRemoteJwks()) {
            throw new XdsRejection(res, path + ".remote_jwks: unsupported: the proxy never fetches keys (the control plane inlines them as local_jwks)");
        }
        if (!p.hasLocalJwks() || !p.getLocalJwks().hasInlineString()) {
            throw new XdsRejection(res, path + ".local_jwks.inline_string: required");
        }
        List<JwtProviderConfig.Key> keys = keys(p.getLocalJwks().getInlineString());
        List<JwtProviderConfig.HeaderSource> headers = new ArrayList<>();
        for (JwtHeader h : p.getFromHeadersList()) {
            if (h.getName().isEmpty()) throw new XdsRejection(res, path + ".from_headers.name: required");
            headers.add(new JwtProviderConfig.HeaderSource(h.getName().toLowerCase(Locale.ROOT), h.getValuePrefix()));
        }
        if (headers.isEmpty() && p.getFromCookiesCount() == 0 && p.getFromParamsCount() == 0) {
            headers.add(new JwtProviderConfig.HeaderSource("authorization", "Bearer ")); // Envoy's default
        }
        List<JwtProviderConfig.ClaimHeader> claims = new ArrayList<>();
        for (JwtClaimToHeader c : p.getClaimToHeadersList()) {
            if (c.getClaimName().isEmpty() || c.getHeaderName().isEmpty()) {
                throw new XdsRejection(res, path + ".claim_to_headers: claim_name and header_name are required");
            }
            claims.add(new JwtProviderConfig.ClaimHeader(c.getClaimName(), c.getHeaderName().toLowerCase(Locale.ROOT)));
        }
        return new JwtProviderConfig(name, p.getIssuer().isEmpty() ? null : p.getIssuer(), new HashSet<>(p.getAudiencesList()),
                keys, headers, p.getFromCookiesList(), p.getFromParamsList(), claims, p.getPayloadInMetadata());
    }

    /** The usable keys of a JWKS document, each with its verifier; none when it does not parse (fails closed). */
    static List<JwtProviderConfig.Key> keys(String jwks) {
        JWKSet set;
        try {
            set = JWKSet.parse(jwks);
        } catch (java.text.ParseException e) {
            return List.of();
        }
        List<JwtProviderConfig.Key> out = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            if (KeyUse.ENCRYPTION.equals(k.getKeyUse())) continue;
            try {
                Set<JWSAlgorithm> algs;
                JWSVerifier v;
                switch (k) {
                    case RSAKey r -> {
                        algs = RSA;
                        v = new RSASSAVerifier(r);
                    }
                    case ECKey e when Curve.P_256.equals(e.getCurve()) -> {
                        algs = Set.of(JWSAlgorithm.ES256);
                        v = new ECDSAVerifier(e);
                    }
                    case ECKey e when Curve.P_384.equals(e.getCurve()) -> {
                        algs = Set.of(JWSAlgorithm.ES384);
                        v = new ECDSAVerifier(e);
                    }
                    case OctetKeyPair o when Curve.Ed25519.equals(o.getCurve()) -> {
                        algs = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
                        v = new Ed25519JcaVerifier(o);
                    }
                    default -> {
                        continue; // HMAC, other curves: not for end-user tokens here
                    }
                }
                if (k.getAlgorithm() != null) {
                    JWSAlgorithm a = JWSAlgorithm.parse(k.getAlgorithm().getName());
                    if (!algs.contains(a)) continue;
                    algs = Set.of(a);
                }
                out.add(new JwtProviderConfig.Key(k.getKeyID(), algs, v));
            } catch (JOSEException e) {
                // a key the JDK cannot use: left out
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String perRouteTypeUrl() {
        return PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        PerRouteConfig c = HttpFilterFactory.unpack(resource, path, typedConfig, PerRouteConfig.class);
        return switch (c.getRequirementSpecifierCase()) {
            case REQUIREMENT_NAME -> new JwtAuthnFilter.PerRoute(c.getRequirementName());
            case DISABLED -> null; // a route that opts out: nothing to check
            default -> throw new XdsRejection(resource, path + ": requirement_name or disabled is required");
        };
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        Map<JwtAuthnFilter.Failure, CounterDataPoint> denied = new EnumMap<>(JwtAuthnFilter.Failure.class);
        for (JwtAuthnFilter.Failure f : JwtAuthnFilter.Failure.values()) {
            denied.put(f, metrics.jwtAuthn(listener, f.name().toLowerCase(Locale.ROOT)));
        }
        return new JwtAuthnFilter(((Parsed) config).requirements(), denied, metrics.jwtAuthn(listener, "allowed"));
    }
}
