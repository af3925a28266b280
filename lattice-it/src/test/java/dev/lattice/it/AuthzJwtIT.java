package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * AuthorizationPolicy on verified end-user claims with real processes: examples/jwt-authz (the worked example of
 * docs/security.md) run as written, with its own tokens: an optional JWTPolicy on the route, an ALLOW on the request
 * principal {@code https://issuer.example/alice} and a DENY on {@code request.auth.claims[groups]} containing
 * {@code banned}, both at the Gateway: alice 200, bob 403, no token 403, alice in "banned" 403, a bad token 401.
 * Then a RateLimitPolicy with {@code jwtClaim} client selectors applied live (Exact: one bucket for every token with
 * the value, others not limited; Distinct: a bucket per value).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthzJwtIT {
    static final String HOST = "books.example";
    static final Path EXAMPLE = Mesh.repo().resolve("examples/jwt-authz");
    static Mesh mesh;
    static Path dir;
    static int gw;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        dir = Mesh.copy(EXAMPLE, Map.of("port: 8080", "port: " + gw, "19080", String.valueOf(Mesh.freePort())));
        mesh = Mesh.up(dir);
        try {
            mesh.awaitProxiesSynced(Duration.ofSeconds(90));
            mesh.awaitIdentities(2);
            mesh.await("alice is served", Duration.ofSeconds(90), () -> bearer(token("alice.jwt")).statusCode() == 200);
        } catch (RuntimeException | Error e) {
            mesh.close();
            mesh = null;
            throw e;
        }
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static String token(String file) throws Exception {
        return Files.readString(EXAMPLE.resolve(file)).strip();
    }

    static HttpResponse<String> call(Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        h.put("Host", HOST);
        return Mesh.get(URI.create("http://127.0.0.1:" + gw + "/books/1"), h);
    }

    static HttpResponse<String> bearer(String token) {
        return call(Map.of("Authorization", "Bearer " + token));
    }

    /** A token of alice's signed with the example's demo key, with {@code extra} claims. */
    static String alice(Map<String, Object> extra) throws Exception {
        RSAKey key = RSAKey.parse(Files.readString(EXAMPLE.resolve("demo-key.jwk")));
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("alice").audience("books")
                .expirationTime(new Date(System.currentTimeMillis() + 600_000)).claim("groups", List.of("readers"));
        extra.forEach(c::claim);
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("demo").type(JOSEObjectType.JWT).build(), c.build());
        j.sign(new RSASSASigner(key));
        return j.serialize();
    }

    @Test
    @Order(0)
    void theDocsShowTheExampleAsWritten() throws Exception {
        String docs = Files.readString(Mesh.repo().resolve("docs/security.md"));
        int shown = 0;
        for (String doc : Files.readString(EXAMPLE.resolve("policies.yaml")).split("---\n")) {
            if (!doc.contains("kind: AuthorizationPolicy")) continue;
            assertThat(docs).as("docs/security.md shows examples/jwt-authz's policy as written").contains(doc.strip());
            shown++;
        }
        assertThat(shown).isEqualTo(2);
    }

    @Test
    @Order(1)
    void aliceIsAllowedAndBobNoTokenAndBannedAreNot() throws Exception {
        HttpResponse<String> alice = bearer(token("alice.jwt"));
        assertThat(alice.statusCode()).as(alice.body()).isEqualTo(200);
        assertThat(alice.body()).contains("books-v1");

        HttpResponse<String> bob = bearer(token("bob.jwt"));
        assertThat(bob.statusCode()).as(bob.body()).isEqualTo(403);
        assertThat(bob.body()).isEqualTo("RBAC: access denied").doesNotContain("books-v1");

        HttpResponse<String> none = call(Map.of());
        assertThat(none.statusCode()).as("no token: no request principal").isEqualTo(403);
        assertThat(none.body()).doesNotContain("books-v1");

        HttpResponse<String> banned = bearer(token("alice-banned.jwt"));
        assertThat(banned.statusCode()).as("alice, but in the group banned").isEqualTo(403);
        assertThat(banned.body()).doesNotContain("books-v1");

        // a token that does not verify never gets as far as authorization
        String forged = token("alice.jwt");
        forged = forged.substring(0, forged.lastIndexOf('.') + 1) + "AAAA";
        assertThat(bearer(forged).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(2)
    void jwtClaimRateLimitSelectorsExactAndDistinct() throws Exception {
        Files.writeString(dir.resolve("ratelimit.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: per-claim}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books}]
                  local:
                    rules:
                    - clientSelectors: [{jwtClaim: {name: tier, type: Exact, value: free}}]
                      limit: {requests: 3, unit: Hour}
                    - clientSelectors: [{jwtClaim: {name: device, type: Distinct}}]
                      limit: {requests: 2, unit: Hour}
                """);
        String free = alice(Map.of("tier", "free"));
        mesh.await("the RateLimitPolicy is enforced", Duration.ofSeconds(30), () -> bearer(free).statusCode() == 429);
        HttpResponse<String> limited = bearer(alice(Map.of("tier", "free")));
        assertThat(limited.statusCode()).as("every free token shares one bucket").isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).isPresent();
        for (int i = 0; i < 5; i++) {
            assertThat(bearer(alice(Map.of("tier", "pro"))).statusCode()).as("another value is not selected").isEqualTo(200);
            assertThat(bearer(token("alice.jwt")).statusCode()).as("no such claim: not selected").isEqualTo(200);
        }
        String a = alice(Map.of("device", "a"));
        assertThat(bearer(a).statusCode()).isEqualTo(200);
        assertThat(bearer(a).statusCode()).isEqualTo(200);
        assertThat(bearer(a).statusCode()).isEqualTo(429);
        assertThat(bearer(alice(Map.of("device", "b"))).statusCode()).as("its own bucket").isEqualTo(200);
        assertThat(bearer(alice(Map.of("device", "a"))).statusCode()).as("the same value in another token").isEqualTo(429);
    }
}
