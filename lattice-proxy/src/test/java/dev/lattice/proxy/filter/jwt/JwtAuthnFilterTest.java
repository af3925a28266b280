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

    /** A request whose upstream headers and RequestAuth a test can read back. */
    static final class Recording implements dev.lattice.proxy.filter.RequestView {
        final StaticRequest r;
        final io.netty.handler.codec.http.HttpHeaders up = new io.netty.handler.codec.http.DefaultHttpHeaders();
        dev.lattice.proxy.filter.RequestAuth auth;

        Recording(String token) {
            r = new StaticRequest("GET", "/", "h", 80, InetAddress.getLoopbackAddress(), null, null,
                    Map.of("authorization", "Bearer " + token));
        }

        public String method() { return r.method(); }
        public String path() { return r.path(); }
        public String pathAndQuery() { return r.pathAndQuery(); }
        public String authority() { return r.authority(); }
        public int destinationPort() { return r.destinationPort(); }
        public InetAddress directRemoteAddress() { return r.directRemoteAddress(); }
        public InetAddress remoteAddress() { return r.remoteAddress(); }
        public String principal() { return r.principal(); }
        public String requestedServerName() { return r.requestedServerName(); }
        public CharSequence header(String name) { return r.header(name); }
        public io.netty.handler.codec.http.HttpHeaders upstreamHeaders() { return up; }
        public void setRequestAuth(dev.lattice.proxy.filter.RequestAuth a) { auth = a; }
        public dev.lattice.proxy.filter.RequestAuth requestAuth() { return auth; }
    }

    /** A filter of one provider with {@code keys} and a claim header, on a clock the test moves. */
    static JwtAuthnFilter filterWith(JWKSet keys, java.util.concurrent.atomic.AtomicLong clock) throws Exception {
        JwtProvider p = JwtProvider.newBuilder().setIssuer("https://i").addAudiences("books")
                .setLocalJwks(DataSource.newBuilder().setInlineString(keys.toString()))
                .addClaimToHeaders(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader.newBuilder()
                        .setClaimName("sub").setHeaderName("x-user"))
                .build();
        JwtAuthentication c = JwtAuthentication.newBuilder().putProviders("p", p)
                .putRequirementMap("req", JwtRequirement.newBuilder().setProviderName("p").build()).build();
        JwtAuthnFilter f = (JwtAuthnFilter) F.compile("l", "jwt", F.parse("lds", "f", Any.pack(c)), new ProxyMetrics());
        return new JwtAuthnFilter(f.requirements(), Map.of(), new ProxyMetrics().jwtAuthn("l", "allowed"), clock::get);
    }

    static LocalReply run(JwtAuthnFilter f, Recording r) {
        return f.onRequestHeaders(r, new JwtAuthnFilter.PerRoute("req"));
    }

    @Test
    void aVerifiedTokenIsServedFromTheCacheWithItsClaimsAndHeaders() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        JwtAuthnFilter f = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String t = rs(claims().build());
        Recording first = new Recording(t);
        assertThat(run(f, first)).isNull();
        assertThat(f.verified().size()).isEqualTo(1);
        Recording again = new Recording(t);
        again.up.set("x-user", "mallory");
        assertThat(run(f, again)).isNull();
        assertThat(again.auth).isSameAs(first.auth); // the cached verification, not a second one
        assertThat(again.auth.principal()).isEqualTo("https://i/alice");
        assertThat(again.up.getAll("x-user")).containsExactly("alice");
    }

    @Test
    void theTokenIsFoundInPlaceInItsHeaderValue() {
        assertThat(JwtAuthnFilter.region("Bearer abc", "Bearer ")).isEqualTo(7L << 32 | 10);
        assertThat(JwtAuthnFilter.region("bearer   abc  ", "Bearer ")).as("prefix in any case, spaces trimmed").isEqualTo(9L << 32 | 12);
        assertThat(JwtAuthnFilter.region("Basic x, Bearer abc, other", "Bearer ")).as("a joined repeated header")
                .isEqualTo(16L << 32 | 19);
        assertThat(JwtAuthnFilter.region("abc", "")).isEqualTo(3L);
        assertThat(JwtAuthnFilter.region("Bearer   ", "Bearer ")).as("empty").isEqualTo(-1L);
        assertThat(JwtAuthnFilter.region("Basic abc", "Bearer ")).isEqualTo(-1L);
    }

    @Test
    void aTokenWithSpacesAroundItOrAfterACommaHitsTheSameCacheEntry() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        JwtAuthnFilter f = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String t = rs(claims().build());
        Recording first = new Recording(t);
        assertThat(run(f, first)).isNull();
        Recording padded = new Recording(" " + t + "  , something-else");
        assertThat(run(f, padded)).isNull();
        assertThat(padded.auth).isSameAs(first.auth); // found in place: the same entry, no second verification
        assertThat(f.verified().size()).isEqualTo(1);
        // the same length with one character changed is not the cached token
        String forged = t.substring(0, t.length() - 30) + (t.charAt(t.length() - 30) == 'A' ? 'B' : 'A') + t.substring(t.length() - 29);
        LocalReply r = run(f, new Recording(forged));
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void aCachedTokenIsRefusedOnceItExpires() throws Exception {
        long now = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(now);
        JwtAuthnFilter f = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String t = rs(claims().expirationTime(new Date(now + 10_000)).build());
        assertThat(run(f, new Recording(t))).isNull();
        assertThat(f.verified().size()).isEqualTo(1);
        clock.set(now + 10_000 + 59_000); // within the 60 s of skew: still good, from the cache
        assertThat(run(f, new Recording(t))).isNull();
        clock.set(now + 10_000 + 61_000);
        LocalReply expired = run(f, new Recording(t));
        assertThat(expired).isNotNull();
        assertThat(expired.message()).isEqualTo("Jwt is expired");
        assertThat(f.verified().size()).isZero(); // dropped from its slot
    }

    @Test
    void aCachedTokenIsRefusedWhenNotYetValidAgain() throws Exception {
        long now = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(now);
        JwtAuthnFilter f = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String t = rs(claims().notBeforeTime(new Date(now + 30_000)).build()); // within the skew now
        assertThat(run(f, new Recording(t))).isNull();
        clock.set(now - 40_000); // the clock stepped back: nbf no longer holds
        assertThat(run(f, new Recording(t)).message()).isEqualTo("Jwt not yet valid");
    }

    @Test
    void newKeysMeanANewFilterAndNothingVerifiedByTheOldKeysPasses() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        JwtAuthnFilter before = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String t = rs(claims().build());
        assertThat(run(before, new Recording(t))).isNull();
        assertThat(before.verified().size()).isEqualTo(1);
        RSAKey rotated = new RSAKeyGenerator(2048).keyID("r2").generate();
        JwtAuthnFilter after = filterWith(new JWKSet(rotated.toPublicJWK()), clock);
        assertThat(after.verified().size()).isZero();
        assertThat(run(after, new Recording(t)).status()).isEqualTo(401);
        assertThat(run(before, new Recording(t))).isNull(); // the old config, still pinned by its streams, unchanged
    }

    @Test
    void failuresAreNotCachedAndTheTableIsBounded() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        JwtAuthnFilter f = filterWith(new JWKSet(rsa.toPublicJWK()), clock);
        String stranger = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").build(), claims().build()) {
            {
                sign(new RSASSASigner(new RSAKeyGenerator(2048).generate()));
            }
        }.serialize();
        for (int i = 0; i < 3; i++) assertThat(run(f, new Recording(stranger)).message()).isEqualTo("Jwt verification fails");
        assertThat(run(f, new Recording("x.y.z")).status()).isEqualTo(401);
        assertThat(f.verified().size()).isZero();
        // many distinct verified tokens: the table never holds more than its slots
        VerifiedTokens table = f.verified();
        JwtProviderConfig p = f.requirements().get("req").providers().getFirst();
        JWTClaimsSet c = claims().build();
        for (int i = 0; i < 3 * VerifiedTokens.SLOTS; i++) table.put(JwtAuthnFilter.entry("token-" + i + "-" + Math.random(), p, c));
        assertThat(table.size()).isLessThanOrEqualTo(VerifiedTokens.SLOTS).isGreaterThan(VerifiedTokens.SLOTS / 2);
        // a token stored then displaced by another in its slot is simply verified again
        String t = rs(claims().build());
        assertThat(run(f, new Recording(t))).isNull();
        assertThat(table.get(t, p, clock.get())).isNotNull();
    }
}
