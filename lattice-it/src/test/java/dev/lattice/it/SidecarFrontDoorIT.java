package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The front door in a service's own sidecar (docs/security.md): a JWTPolicy, a local RateLimitPolicy and a
 * RequestValidationPolicy that target the Service {@code books} (not a route) are enforced by its sidecar's inbound
 * listener, for callers through the gateway (whose route has no policy: the gateway passes everything on over mesh
 * mTLS) and for a mesh client calling the sidecar directly over mTLS alike. Real processes: {@code lattice up}, the
 * gateway, the sidecar and the echo app.
 */
class SidecarFrontDoorIT {
    static final String HOST = "books.example";
    static final String ISSUER = "https://issuer.example";
    static Mesh mesh;
    static Path dir;
    static int gw;
    static RSAKey key;

    static String policies(String jwks) {
        return """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: JWTPolicy
                metadata: {name: users}
                spec:
                  targetRefs: [{group: "", kind: Service, name: books}]
                  providers:
                  - name: example
                    issuer: https://issuer.example
                    audiences: [books]
                    localJWKS: {inline: '@JWKS@'}
                    claimToHeaders: [{claim: sub, header: x-user}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: per-client}
                spec:
                  targetRefs: [{group: "", kind: Service, name: books}]
                  local:
                    rules:
                    - clientSelectors: [{headers: [{name: x-client, type: Distinct}]}]
                      limit: {requests: 3, unit: Minute}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: books-input}
                spec:
                  targetRefs: [{group: "", kind: Service, name: books}]
                  limits: {maxBodyBytes: 64}
                  methods: [GET, POST]
                """.replace("@JWKS@", jwks);
    }

    @BeforeAll
    static void up() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        gw = Mesh.freePort();
        int app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-sidecar-door-");
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        Files.writeString(dir.resolve("mesh.yaml"), MtlsIT.booksMesh(gw, app) + policies(jwks));
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/", 401);
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static String token(String subject) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet c = new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject).audience("books")
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").type(JOSEObjectType.JWT).build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** Through the gateway. */
    static HttpResponse<String> viaGateway(String method, String path, String body, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        h.put("Host", HOST);
        return Mesh.send(method, URI.create("http://127.0.0.1:" + gw + path), h, body);
    }

    /** A mesh client (identity sa/client) straight to the sidecar's inbound port over mTLS: the raw answer. */
    static String direct(String request) throws Exception {
        MtlsIT.Client client = MtlsIT.client("spiffe://cluster.local/ns/default/sa/client", MtlsIT.root(dir), MtlsIT.rootKey(dir),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        return MtlsIT.tls(mesh.inboundPort("sidecar~default~books-v1"), client, request).answer();
    }

    @Test
    void theServicesSidecarAuthenticatesLimitsAndValidates() throws Exception {
        // JWT: no token and a bad one are refused by the sidecar; a good one reaches the app with its claim header
        HttpResponse<String> none = viaGateway("GET", "/shelf", null, Map.of());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate").orElse("")).startsWith("Bearer");
        assertThat(viaGateway("GET", "/shelf", null, Map.of("Authorization", "Bearer not.a.token")).statusCode()).isEqualTo(401);
        String alice = token("alice");
        HttpResponse<String> ok = viaGateway("GET", "/shelf", null, Map.of("Authorization", "Bearer " + alice, "x-user", "mallory"));
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode echo = Mesh.JSON.readTree(ok.body());
        assertThat(JwtIT.header(echo, "x-user")).contains("alice").doesNotContain("mallory");

        // the same sidecar refuses a direct mesh caller without a token, and serves one with it
        assertThat(direct("GET /shelf HTTP/1.1\r\nHost: books\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 401");
        assertThat(direct("GET /shelf HTTP/1.1\r\nHost: books\r\nAuthorization: Bearer " + alice
                + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");

        // validation: a method not allowed, a body over maxBodyBytes
        HttpResponse<String> delete = viaGateway("DELETE", "/shelf", null, Map.of("Authorization", "Bearer " + alice));
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("allow").orElse("")).contains("GET").contains("POST");
        assertThat(viaGateway("POST", "/shelf", "x".repeat(100), Map.of("Authorization", "Bearer " + alice)).statusCode()).isEqualTo(413);

        // the local limit: 3 a minute per x-client value, 429 with Retry-After and the draft's fields; another client is served
        for (int i = 0; i < 3; i++) {
            assertThat(viaGateway("GET", "/shelf", null, Map.of("Authorization", "Bearer " + alice, "x-client", "a")).statusCode())
                    .as("request %d of client a", i + 1).isEqualTo(200);
        }
        HttpResponse<String> over = viaGateway("GET", "/shelf", null, Map.of("Authorization", "Bearer " + alice, "x-client", "a"));
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(over.headers().firstValue("retry-after")).isPresent();
        assertThat(over.headers().firstValue("ratelimit-policy").orElse("")).contains("default/per-client/0");
        assertThat(viaGateway("GET", "/shelf", null, Map.of("Authorization", "Bearer " + alice, "x-client", "b")).statusCode()).isEqualTo(200);

        // it is the sidecar that decides: its own counters have the decisions, the gateway's have none
        String sidecar = mesh.proxyAdmin("sidecar~default~books-v1", "/stats/prometheus");
        assertThat(sidecar).contains("lattice_jwt_authn_total").contains("lattice_ratelimit_requests_total{")
                .containsPattern("lattice_ratelimit_requests_total\\{[^}]*decision=\"over_limit\"[^}]*\\} [1-9]|"
                        + "lattice_ratelimit_requests_total\\{[^}]*policy=\"default/per-client\"[^}]*\\} [1-9]");
        String gateway = mesh.proxyAdmin("gateway~default~gw", "/stats/prometheus");
        assertThat(gateway).doesNotContainPattern("lattice_jwt_authn_total\\{[^}]*\\} [1-9]")
                .doesNotContainPattern("lattice_ratelimit_requests_total\\{[^}]*\\} [1-9]");
    }
}
