package dev.lattice.proxy.filter.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.StaticRequest;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import java.net.InetAddress;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JwtAuthnFilterTest {
    static RSAKey rsa;
    static ECKey ec;
    static JwtAuthnFilter filter;
    static final JwtHttpFilterFactory F = new JwtHttpFilterFactory();

    @BeforeAll
    static void setUp() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
        JwtProvider p = JwtProvider.newBuilder().setIssuer("https://i").addAudiences("books")
                .setLocalJwks(DataSource.newBuilder().setInlineString(jwks))
                .addFromHeaders(JwtHeader.newBuilder().setName("Authorization").setValuePrefix("Bearer "))
                .addFromCookies("session").addFromParams("access_token").build();
        JwtAuthentication c = JwtAuthentication.newBuilder().putProviders("p", p)
                .putRequirementMap("req", JwtRequirement.newBuilder().setProviderName("p").build())
                .putRequirementMap("opt", JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                        .addRequirements(JwtRequirement.newBuilder().setProviderName("p"))
                        .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()))).build())
                .build();
        filter = (JwtAuthnFilter) F.compile("l", "jwt", F.parse("lds", "f", Any.pack(c)), new ProxyMetrics());
    }

    static JWTClaimsSet.Builder claims() {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer("https://i").subject("alice").audience("books").expirationTime(new Date(now + 60_000));
    }

    static String rs(JWTClaimsSet c) throws Exception {
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").build(), c);
        j.sign(new RSASSASigner(rsa));
        return j.serialize();
    }

    static LocalReply run(String requirement, String pathAndQuery, Map<String, String> headers) {
        StaticRequest r = new StaticRequest("GET", pathAndQuery, "h", 80, InetAddress.getLoopbackAddress(), null, null, headers);
        return filter.onRequestHeaders(r, new JwtAuthnFilter.PerRoute(requirement));
    }

    @Test
    void tokensFromHeaderCookieAndQuery() throws Exception {
        String t = rs(claims().build());
        assertThat(run("req", "/", Map.of("authorization", "Bearer " + t))).isNull();
        assertThat(run("req", "/", Map.of("cookie", "a=b; session=" + t))).isNull();
        assertThat(run("req", "/x?y=1&access_token=" + t, Map.of())).isNull();
        SignedJWT e = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(), claims().build());
        e.sign(new ECDSASigner(ec));
        assertThat(run("req", "/", Map.of("authorization", "Bearer " + e.serialize()))).isNull();
    }

    @Test
    void missingAndBadTokens() throws Exception {
        LocalReply missing = run("req", "/", Map.of());
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.headers().get("www-authenticate")).isEqualTo("Bearer realm=\"lattice\"");
        assertThat(run("opt", "/", Map.of())).isNull();
        long now = System.currentTimeMillis();
        LocalReply expired = run("opt", "/", Map.of("authorization", "Bearer " + rs(claims().expirationTime(new Date(now - 61_000)).build())));
        assertThat(expired.headers().get("www-authenticate")).contains("error=\"invalid_token\"").contains("Jwt is expired");
        assertThat(run("req", "/", Map.of("authorization", "Bearer " + rs(claims().expirationTime(new Date(now - 30_000)).build())))).isNull();
        assertThat(run("req", "/", Map.of("authorization", "Bearer " + rs(claims().audience("x").build()))).message())
                .isEqualTo("Audiences in Jwt are not allowed");
        assertThat(run("req", "/", Map.of("authorization", "Bearer a.b.c")).message()).isEqualTo("Jwt is not in the form of Header.Payload.Signature");
        assertThat(run("nope", "/", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void theProxyNeverFetchesKeys() {
        JwtAuthentication c = JwtAuthentication.newBuilder().putProviders("p", JwtProvider.newBuilder()
                .setRemoteJwks(RemoteJwks.getDefaultInstance()).build()).build();
        assertThatThrownBy(() -> F.parse("lds", "f", Any.pack(c))).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("providers[p].remote_jwks");
        assertThat(F.keys("not json")).isEmpty();
    }

    @Test
    void perRouteConfig() throws Exception {
        assertThat(F.parsePerRoute("rds", "r", Any.pack(PerRouteConfig.newBuilder().setRequirementName("req").build())))
                .isEqualTo(new JwtAuthnFilter.PerRoute("req"));
    }
}
