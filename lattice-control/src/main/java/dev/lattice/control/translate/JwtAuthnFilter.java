package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import com.google.protobuf.Empty;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JWTPolicy on the wire (docs/xds.md, "JWT authentication"): a connection manager with a route governed by a
 * JWTPolicy lists {@code envoy.filters.http.jwt_authn} with a {@code JwtAuthentication} holding every such policy's
 * providers (named {@code namespace/policy/provider}, keys inlined as {@code local_jwks}, the control plane having
 * fetched the remote ones) and one requirement per policy (named {@code namespace/policy}: {@code requires_any} of
 * its providers, plus {@code allow_missing} when optional); each such route names its requirement in a
 * {@code PerRouteConfig}. A policy that fails closed names the requirement of provider {@value #FAIL_CLOSED}, whose key
 * set is empty, so that every request is refused. A listener without such routes gets no entry.
 */
final class JwtAuthnFilter implements TranslatorFilter {
    static final String NAME = "envoy.filters.http.jwt_authn";
    /** The provider no token satisfies. */
    static final String FAIL_CLOSED = "lattice.fail-closed";
    static final String EMPTY_JWKS = "{\"keys\":[]}";

    @Override
    public FilterOrder order() {
        return FilterOrder.JWT_AUTHN;
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        Map<String, Ir.Jwt> policies = new TreeMap<>();
        for (Ir.VirtualHost v : hcm.virtualHosts()) {
            for (Ir.Route r : v.routes()) {
                if (r.policies() != null && r.policies().jwt() != null) policies.putIfAbsent(requirement(r.policies().jwt()), r.policies().jwt());
            }
        }
        if (policies.isEmpty()) return List.of();
        JwtAuthentication.Builder b = JwtAuthentication.newBuilder();
        for (Map.Entry<String, Ir.Jwt> e : policies.entrySet()) {
            Ir.Jwt j = e.getValue();
            if (j.broken()) {
                b.putProviders(FAIL_CLOSED, JwtProvider.newBuilder()
                        .setLocalJwks(DataSource.newBuilder().setInlineString(EMPTY_JWKS)).build());
                b.putRequirementMap(e.getKey(), JwtRequirement.newBuilder().setProviderName(FAIL_CLOSED).build());
                continue;
            }
            JwtRequirementOrList.Builder any = JwtRequirementOrList.newBuilder();
            for (Ir.JwtProvider p : j.providers()) {
                String name = j.name() + "/" + p.name();
                b.putProviders(name, provider(p, name));
                any.addRequirements(JwtRequirement.newBuilder().setProviderName(name));
            }
            if (j.optional()) any.addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()));
            b.putRequirementMap(e.getKey(), any.getRequirementsCount() == 1 ? any.getRequirements(0)
                    : JwtRequirement.newBuilder().setRequiresAny(any).build());
        }
        return List.of(HttpFilter.newBuilder().setName(NAME).setTypedConfig(Any.pack(b.build())).build());
    }

    private static JwtProvider provider(Ir.JwtProvider p, String name) {
        JwtProvider.Builder b = JwtProvider.newBuilder()
                .setLocalJwks(DataSource.newBuilder().setInlineString(p.jwks() == null ? EMPTY_JWKS : p.jwks()))
                .addAllAudiences(p.audiences())
                .setForward(true)
                .setPayloadInMetadata(name);
        if (p.issuer() != null) b.setIssuer(p.issuer());
        for (Ir.HeaderValue h : p.headers()) b.addFromHeaders(JwtHeader.newBuilder().setName(h.name()).setValuePrefix(h.value()));
        b.addAllFromCookies(p.cookies());
        b.addAllFromParams(p.params());
        for (Ir.HeaderValue c : p.claimToHeaders()) {
            b.addClaimToHeaders(JwtClaimToHeader.newBuilder().setClaimName(c.name()).setHeaderName(c.value()));
        }
        return b.build();
    }

    /** The requirement a route names: its policy's, or the fail-closed one. */
    private static String requirement(Ir.Jwt j) {
        return j.broken() ? j.name() + "#" + FAIL_CLOSED : j.name();
    }

    @Override
    public void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
        if (route.policies() != null && route.policies().jwt() != null) {
            xds.putTypedPerFilterConfig(NAME, Any.pack(PerRouteConfig.newBuilder()
                    .setRequirementName(requirement(route.policies().jwt())).build()));
        }
    }
}
