package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
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
 * End-user authentication with real processes: a JWTPolicy applied live to a Gateway's HTTPRoute, with an inline
 * JWKS of an RSA, an EC P-256 and an Ed25519 key; tokens valid (RS256, PS256, ES256, EdDSA), expired, not yet valid,
 * for another audience or issuer, signed by a stranger's key, {@code alg: none}, and none at all; from the
 * Authorization header, a cookie and a query parameter; claims copied to headers the app sees (a client's own copy
 * of such a header dropped); a rule named by sectionName with an optional policy that wins over the route's; a
 * policy that does not validate keeps its last good version serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JwtIT {
    static final String HOST = "books.example";
    static final String ISSUER = "https://issuer.example";
    static Mesh mesh;
    static Path dir;
    static int gw;
    static int app;
    static RSAKey rsa;
    static ECKey ec;
    static KeyPair ed;
    static String edX;
    static RSAKey stranger;

    static String meshYaml() {
        return Mesh.GATEWAY_GW.replace("GW", String.valueOf(gw)) + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: books}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [books.example]
                  rules:
                  - name: open
                    matches: [{path: {type: PathPrefix, value: /open}}]
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

    static String jwks() {
        Map<String, Object> okp = new HashMap<>(Map.of("kty", "OKP", "crv", "Ed25519", "kid", "ed1", "x", edX));
        List<Object> keys = new java.util.ArrayList<>(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toJSONObject().get("keys") instanceof List<?> l ? l : List.of());
        keys.add(okp);
        try {
            return Mesh.JSON.writeValueAsString(Map.of("keys", keys));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String policy(String jwks) {
        return """
                apiVersion: lattice.dev/v1alpha1
                kind: JWTPolicy
                metadata: {name: users, namespace: default}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books}]
                  providers:
                  - name: example
                    issuer: https://issuer.example
                    audiences: [books]
                    localJWKS: {inline: '@JWKS@'}
                    extractFrom:
                      headers: [{name: Authorization, valuePrefix: "Bearer "}]
                      cookies: [session]
                      params: [access_token]
                    claimToHeaders: [{claim: sub, header: x-user}, {claim: org.team, header: x-team}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: JWTPolicy
                metadata: {name: open, namespace: default}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books, sectionName: open}]
                  optional: true
                  providers:
                  - name: example
                    issuer: https://issuer.example
                    localJWKS: {inline: '@JWKS@'}
                """.replace("@JWKS@", jwks);
    }

    @BeforeAll
    static void up() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("r1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
        ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = ed.getPublic().getEncoded();
        edX = Base64URL.encode(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length)).toString();
        gw = Mesh.freePort();
        app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-jwt-");
        Files.writeString(dir.resolve("mesh.yaml"), meshYaml());
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/");
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static JWTClaimsSet.Builder claims() {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience("books")
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000))
                .claim("org", Map.of("team", "shelf"));
    }

    static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet c) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), c);
        jwt.sign(signer);
        return jwt.serialize();
    }

    static String rs256(JWTClaimsSet c) throws Exception {
        return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "r1", c);
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** An EdDSA token signed with the JDK's Ed25519 (nimbus's Ed25519Signer needs Tink). */
    static String edDsa(JWTClaimsSet c) throws Exception {
        String input = b64("{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"typ\":\"JWT\"}") + "." + b64(c.toString());
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(ed.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }

    static HttpResponse<String> call(String path, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        h.put("Host", HOST);
        return Mesh.get(URI.create("http://127.0.0.1:" + gw + path), h);
    }

    static HttpResponse<String> bearer(String path, String token) {
        return call(path, Map.of("Authorization", "Bearer " + token));
    }

    /** The values the app received for a header (echo's JSON list), or "" when it got none. */
    static String header(JsonNode echo, String name) {
        for (var e : echo.path("headers").properties()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue().toString();
        return "";
    }

    static String challenge(HttpResponse<String> r) {
        return r.headers().firstValue("www-authenticate").orElse("");
    }

    static void assertInvalid(HttpResponse<String> r, String description) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(challenge(r)).isEqualTo("Bearer realm=\"lattice\", error=\"invalid_token\", error_description=\"" + description + "\"");
        assertThat(r.body()).doesNotContain("books-v1");
    }

    @Test
    @Order(1)
    void theTokenCases() throws Exception {
        Files.writeString(dir.resolve("jwt.yaml"), policy(jwks()));
        mesh.await("the JWTPolicy is enforced", Duration.ofSeconds(30), () -> call("/books/1", Map.of()).statusCode() == 401);

        HttpResponse<String> missing = call("/books/1", Map.of());
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(challenge(missing)).isEqualTo("Bearer realm=\"lattice\"");
        assertThat(missing.body()).doesNotContain("books-v1");

        HttpResponse<String> ok = bearer("/books/1", rs256(claims().build()));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode echo = Mesh.JSON.readTree(ok.body());
        assertThat(echo.path("name").asText()).isEqualTo("books-v1");
        assertThat(header(echo, "x-user")).isEqualTo("[\"alice\"]"); // claimToHeaders: sub
        assertThat(header(echo, "x-team")).isEqualTo("[\"shelf\"]"); // a nested claim, org.team

        assertThat(bearer("/books/1", sign(new RSASSASigner(rsa), JWSAlgorithm.PS256, "r1", claims().build())).statusCode()).isEqualTo(200);
        assertThat(bearer("/books/1", sign(new ECDSASigner(ec), JWSAlgorithm.ES256, "e1", claims().build())).statusCode()).isEqualTo(200);
        assertThat(bearer("/books/1", edDsa(claims().build())).statusCode()).isEqualTo(200);

        long now = System.currentTimeMillis();
        assertInvalid(bearer("/books/1", rs256(claims().expirationTime(new Date(now - 120_000)).build())), "Jwt is expired");
        // within the 60 s of skew: still good
        assertThat(bearer("/books/1", rs256(claims().expirationTime(new Date(now - 20_000)).build())).statusCode()).isEqualTo(200);
        assertInvalid(bearer("/books/1", rs256(claims().notBeforeTime(new Date(now + 300_000)).build())), "Jwt not yet valid");
        assertInvalid(bearer("/books/1", rs256(claims().audience("orders").build())), "Audiences in Jwt are not allowed");
        assertInvalid(bearer("/books/1", rs256(claims().issuer("https://evil.example").build())), "Jwt issuer is not configured");
        assertInvalid(bearer("/books/1", sign(new RSASSASigner(stranger), JWSAlgorithm.RS256, "r1", claims().build())), "Jwt verification fails");
        String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims().build().toString()) + ".";
        assertInvalid(bearer("/books/1", none), "Jwt is not in the form of Header.Payload.Signature");
        assertInvalid(bearer("/books/1", "not-a-token"), "Jwt is not in the form of Header.Payload.Signature");
    }

    @Test
    @Order(2)
    void fromCookieAndQueryAndClaimHeadersCannotBeForged() throws Exception {
        String t = rs256(claims().build());
        HttpResponse<String> cookie = call("/books/1", Map.of("Cookie", "theme=dark; session=" + t));
        assertThat(cookie.statusCode()).as(cookie.body()).isEqualTo(200);
        HttpResponse<String> query = call("/books/1?access_token=" + t + "&x=1", Map.of());
        assertThat(query.statusCode()).as(query.body()).isEqualTo(200);
        assertThat(call("/books/1?access_token=garbage", Map.of()).statusCode()).isEqualTo(401);
        // a client's own x-user is replaced by the verified claim
        HttpResponse<String> forged = call("/books/1", Map.of("Authorization", "Bearer " + t, "x-user", "mallory"));
        assertThat(forged.statusCode()).isEqualTo(200);
        assertThat(forged.body()).contains("alice").doesNotContain("mallory");
        assertThat(header(Mesh.JSON.readTree(forged.body()), "x-user")).isEqualTo("[\"alice\"]");
    }

    @Test
    @Order(3)
    void anOptionalPolicyOnANamedRuleWinsOverTheRoutes() throws Exception {
        HttpResponse<String> open = call("/open/1", Map.of("x-user", "mallory"));
        assertThat(open.statusCode()).as(open.body()).isEqualTo(200); // optional: no token passes
        assertThat(bearer("/open/1", rs256(claims().build())).statusCode()).isEqualTo(200);
        // a bad token never passes, optional or not
        assertInvalid(bearer("/open/1", rs256(claims().expirationTime(new Date(System.currentTimeMillis() - 120_000)).build())), "Jwt is expired");
        assertThat(call("/books/1", Map.of()).statusCode()).isEqualTo(401); // the rest of the route still requires one
    }

    @Test
    @Order(4)
    void aPolicyThatDoesNotValidateKeepsItsLastGoodVersionAndReportsWhy() throws Exception {
        String t = rs256(claims().build());
        Files.writeString(dir.resolve("jwt.yaml"), policy(jwks()).replace("audiences: [books]", "audiences: books"));
        mesh.await("the JWTPolicy is reported invalid", Duration.ofSeconds(30), () -> {
            JsonNode a = mesh.adminJson("/api/v1/resources?kind=jwtpolicies&name=users").path(0).path("status").path("ancestors").path(0);
            return a.path("conditions").path(0).path("reason").asText().equals("Invalid")
                    && a.path("conditions").path(0).path("message").asText().contains("spec.providers[0].audiences");
        });
        assertThat(bearer("/books/1", t).statusCode()).isEqualTo(200); // the last good version serves
        assertThat(call("/books/1", Map.of()).statusCode()).isEqualTo(401);
    }
}
