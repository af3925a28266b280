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
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * JWTPolicy {@code remoteJWKS.uri} with real processes: a real JDK HttpServer (port 0) serves the JWKS, the control
 * plane of a real {@code lattice up} fetches it and pushes the keys to the gateway. Tokens of key A pass; the server
 * rotates to key B (max-age 1 s, so the next refresh comes after the 5 s minimum): B passes within a bounded wait and
 * A is refused; the server then answers what is not a JWKS, then goes down: B still passes (the last good keys), and
 * the status says why; it comes back with both keys, picked up at the next retry. A provider whose JWKS was never
 * fetched fails closed and its status says so. This is the
 * policy of docs/security.md ("Remote JWKS") with the server's port put in.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JwtRemoteJwksIT {
    static final String HOST = "books.example";
    static Mesh mesh;
    static Path dir;
    static int gw;
    static int app;
    static HttpServer jwksServer;
    static volatile String served;
    static volatile int status = 200;
    static final AtomicInteger fetches = new AtomicInteger();
    static RSAKey keyA;
    static RSAKey keyB;

    /** The worked example of docs/security.md ("Remote JWKS"), as written there (port 8089). */
    static final String USERS = """
            apiVersion: lattice.dev/v1alpha1
            kind: JWTPolicy
            metadata: {name: users, namespace: default}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books}]
              providers:
              - name: example
                issuer: https://issuer.example
                audiences: [books]
                remoteJWKS: {uri: http://127.0.0.1:8089/jwks.json}
                claimToHeaders: [{claim: sub, header: x-user}]
            """;

    /** The worked example with the JWKS server's port put in, and a policy whose JWKS is on a closed port. */
    static String policy(int port, int closedPort) {
        return USERS.replace("8089", String.valueOf(port)) + """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: JWTPolicy
                metadata: {name: nokeys, namespace: default}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books, sectionName: dead}]
                  providers:
                  - name: gone
                    issuer: https://issuer.example
                    remoteJWKS: {uri: http://127.0.0.1:CLOSED/jwks.json}
                """.replace("CLOSED", String.valueOf(closedPort));
    }

    @Test
    @Order(0)
    void theDocsShowThePolicyAsWritten() throws Exception {
        assertThat(Files.readString(Mesh.repo().resolve("docs/security.md"))).contains(USERS.strip());
    }

    static String meshYaml() {
        return Mesh.GATEWAY_GW.replace("GW", String.valueOf(gw)) + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: books}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [books.example]
                  rules:
                  - name: dead
                    matches: [{path: {type: PathPrefix, value: /dead}}]
                    backendRefs: [{name: books, port: 9080}]
                  - backendRefs: [{name: books, port: 9080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: books}
                spec:
                  selector: {app: books}
                  ports: [{name: http, port: 9080, targetPort: http}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: books-v1, labels: {app: books}}
                spec:
                  ports: [{name: http, port: APP}]
                  serviceAccount: books
                  command: [lattice, echo, --port, "APP", --name, books-v1]
                """.replace("APP", String.valueOf(app));
    }

    @BeforeAll
    static void up() throws Exception {
        keyA = new RSAKeyGenerator(2048).keyID("a").generate();
        keyB = new RSAKeyGenerator(2048).keyID("b").generate();
        served = new JWKSet(keyA.toPublicJWK()).toString();
        jwksServer = serve(0);
        gw = Mesh.freePort();
        app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-jwks-");
        Files.writeString(dir.resolve("mesh.yaml"), meshYaml());
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/");
    }

    /** The JWKS server: what {@link #served} holds, with max-age=1, on {@code port} (0: a free one). */
    static HttpServer serve(int port) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/jwks.json", x -> {
            fetches.incrementAndGet();
            byte[] body = served.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.getResponseHeaders().set("Cache-Control", "public, max-age=1");
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        return server;
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
        if (jwksServer != null) jwksServer.stop(0);
    }

    static String token(RSAKey key) throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet c = new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("alice").audience("books")
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static HttpResponse<String> bearer(String path, String token) {
        Map<String, String> h = new HashMap<>();
        h.put("Host", HOST);
        if (token != null) h.put("Authorization", "Bearer " + token);
        return Mesh.get(URI.create("http://127.0.0.1:" + gw + path), h);
    }

    /** The ResolvedRefs condition of a JWTPolicy's first ancestor. */
    static JsonNode resolvedRefs(String name) throws Exception {
        JsonNode conds = mesh.adminJson("/api/v1/resources?kind=jwtpolicies&name=" + name).path(0).path("status")
                .path("ancestors").path(0).path("conditions");
        for (JsonNode c : conds) if (c.path("type").asText().equals("ResolvedRefs")) return c;
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    @Test
    @Order(1)
    void keysFetchedByTheControlPlaneVerifyTokens() throws Exception {
        Files.writeString(dir.resolve("jwt.yaml"), policy(jwksServer.getAddress().getPort(), Mesh.freePort()));
        String a = token(keyA);
        mesh.await("the JWTPolicy is enforced", Duration.ofSeconds(30), () -> bearer("/books/1", null).statusCode() == 401);
        mesh.await("tokens of key A pass", Duration.ofSeconds(30), () -> bearer("/books/1", a).statusCode() == 200);
        HttpResponse<String> ok = bearer("/books/1", a);
        assertThat(ok.body()).contains("books-v1");
        assertThat(Mesh.JSON.readTree(ok.body()).path("headers").toString()).contains("alice");
        assertThat(bearer("/books/1", null).statusCode()).isEqualTo(401);
        assertThat(bearer("/books/1", token(keyB)).statusCode()).isEqualTo(401);
        mesh.await("users' ResolvedRefs is True", Duration.ofSeconds(10), () -> resolvedRefs("users").path("status").asText().equals("True"));

        // a JWKS that was never fetched: that provider fails closed, and its policy's status says why
        HttpResponse<String> dead = bearer("/dead/1", a);
        assertThat(dead.statusCode()).isEqualTo(401);
        assertThat(dead.body()).doesNotContain("books-v1");
        mesh.await("nokeys' ResolvedRefs is False", Duration.ofSeconds(15), () -> {
            JsonNode c = resolvedRefs("nokeys");
            return c.path("status").asText().equals("False") && c.path("reason").asText().equals("JWKSUnavailable")
                    && c.path("message").asText().contains("refuses every token");
        });
        assertThat(mesh.output()).contains("remoteJWKS.uri");
    }

    @Test
    @Order(2)
    void aRotationReachesTheProxiesAtTheNextRefresh() throws Exception {
        String a = token(keyA);
        String b = token(keyB);
        served = new JWKSet(keyB.toPublicJWK()).toString();
        long start = System.nanoTime();
        // max-age=1 is clamped to the 5 s minimum: a refresh within about 5 s, then the push
        mesh.await("tokens of key B pass", Duration.ofSeconds(20), () -> bearer("/books/1", b).statusCode() == 200);
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
        HttpResponse<String> old = bearer("/books/1", a);
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(old.headers().firstValue("www-authenticate").orElse("")).contains("Jwks doesn't have key to match kid or alg from Jwt");
        assertThat(took).as("rotation seen after %d ms", took).isLessThan(20_000);
    }

    @Test
    @Order(3)
    void aBadDocumentThenADownServerKeepTheLastGoodKeys() throws Exception {
        String b = token(keyB);
        served = "{\"not\": \"a jwks\"}";
        mesh.await("users' status names the bad document", Duration.ofSeconds(20), () -> {
            JsonNode c = resolvedRefs("users");
            return c.path("status").asText().equals("True") && c.path("message").asText().contains("is not a JWKS")
                    && c.path("message").asText().contains("last good keys keep serving");
        });
        assertThat(bearer("/books/1", b).statusCode()).isEqualTo(200);

        jwksServer.stop(0);
        mesh.await("users' status names the failed fetch", Duration.ofSeconds(30), () -> {
            String m = resolvedRefs("users").path("message").asText();
            return m.contains("ConnectException") && m.contains("last good keys keep serving");
        });
        assertThat(bearer("/books/1", b).statusCode()).isEqualTo(200);
        assertThat(bearer("/books/1", token(keyA)).statusCode()).isEqualTo(401);
        assertThat(bearer("/books/1", null).statusCode()).isEqualTo(401);
        assertThat(fetches.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    @Order(4)
    void theServerBackWithNewKeysIsPickedUpAtTheNextRetry() throws Exception {
        int port = jwksServer.getAddress().getPort();
        served = new JWKSet(java.util.List.of(keyA.toPublicJWK(), keyB.toPublicJWK())).toString();
        jwksServer = serve(port);
        String a = token(keyA);
        mesh.await("tokens of key A pass again", Duration.ofSeconds(30), () -> bearer("/books/1", a).statusCode() == 200);
        assertThat(bearer("/books/1", token(keyB)).statusCode()).isEqualTo(200);
        mesh.await("users' status is clean again", Duration.ofSeconds(10),
                () -> resolvedRefs("users").path("message").asText().equals("The remote JWKS of every provider is fetched"));
    }
}
