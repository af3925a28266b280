package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * RequestValidationPolicy with real processes (docs/security.md "Request validation"): a gateway route with limits,
 * methods and media types (414, 431 by bytes and by count, 413 by Content-Length and by a chunked body crossing the
 * cap mid-stream, 405 with Allow, 415), a route with an inline JSON Schema (400 problem+json naming the field by JSON
 * Pointer; a valid body reaches the app), and a route checked against an OpenAPI document from a ConfigMap (path
 * parameter, query parameter and body field named; an unknown path 404); then bad input: a policy that stops validating
 * keeps its last good version serving, a new broken one fails closed (503), and an OpenAPI document that stops
 * compiling leaves the last good document serving, each with Accepted=False. The mesh is examples/request-validation, the worked example of docs/security.md, run as written.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ValidationIT {
    static Mesh mesh;
    static int gw;

    static Path dir;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        dir = Mesh.copy(Mesh.repo().resolve("examples/request-validation"),
                java.util.Map.of("port: 8080", "port: " + gw, "19080", String.valueOf(Mesh.freePort())));
        mesh = Mesh.upAndServing(dir, 2, gw, "limited.example", "/");
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static String raw(String request) throws Exception {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1), null);
    }

    /** Sends {@code head}, then {@code chunks} (each written separately), and reads the answer until the proxy closes. */
    static String raw(byte[] head, byte[][] chunks) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head);
            out.flush();
            if (chunks != null) {
                for (byte[] c : chunks) {
                    try {
                        out.write(c);
                        out.flush();
                    } catch (java.io.IOException closed) {
                        break; // the proxy answered and closed before the whole body went out
                    }
                }
            }
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    static String req(String method, String host, String path, String contentType, String body, String... extra) throws Exception {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        if (contentType != null) b.append("Content-Type: ").append(contentType).append("\r\n");
        for (String e : extra) b.append(e).append("\r\n");
        if (body != null) b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        b.append("\r\n");
        if (body != null) b.append(body);
        return raw(b.toString());
    }

    static int status(String response) {
        assertThat(response).startsWith("HTTP/1.1 ");
        return Integer.parseInt(response.substring(9, 12));
    }

    static JsonNode problem(String response) throws Exception {
        assertThat(response.toLowerCase()).contains("content-type: application/problem+json");
        return Mesh.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    @Test
    @Order(0)
    void theDocsShowTheExampleAsWritten() throws Exception {
        String docs = Files.readString(Mesh.repo().resolve("docs/security.md"));
        String policies = Files.readString(Mesh.repo().resolve("examples/request-validation/policies.yaml"));
        int shown = 0;
        for (String doc : policies.split("---\n")) {
            if (!doc.contains("kind: RequestValidationPolicy")) continue;
            assertThat(docs).as("docs/security.md shows examples/request-validation's policy as written").contains(doc.strip());
            shown++;
        }
        assertThat(shown).isEqualTo(3);
    }

    @Test
    @Order(1)
    void limitsMethodsAndMediaTypes() throws Exception {
        assertThat(status(req("GET", "limited.example", "/ok", null, null))).isEqualTo(200);
        assertThat(status(req("POST", "limited.example", "/ok", "application/json; charset=utf-8", "{}"))).isEqualTo(200);
        // 414: the URI is over 64 bytes
        assertThat(status(req("GET", "limited.example", "/" + "a".repeat(80), null, null))).isEqualTo(414);
        // 431: header bytes over 400, and header count over 12
        assertThat(status(req("GET", "limited.example", "/ok", null, null, "X-Big: " + "b".repeat(450)))).isEqualTo(431);
        String[] many = new String[14];
        for (int i = 0; i < many.length; i++) many[i] = "X-H" + i + ": v";
        assertThat(status(req("GET", "limited.example", "/ok", null, null, many))).isEqualTo(431);
        // 405 with Allow
        String r405 = req("DELETE", "limited.example", "/ok", null, null);
        assertThat(status(r405)).isEqualTo(405);
        assertThat(r405.toLowerCase()).contains("allow: get, post");
        // 415: another media type, or a body without one
        assertThat(status(req("POST", "limited.example", "/ok", "text/plain", "hi"))).isEqualTo(415);
        assertThat(status(req("POST", "limited.example", "/ok", null, "hi"))).isEqualTo(415);
        // 413 from Content-Length, before anything goes upstream
        assertThat(status(req("POST", "limited.example", "/ok", "application/json", "[" + "1,".repeat(60) + "1]"))).isEqualTo(413);
        // 413 from a chunked body that crosses the cap mid-stream
        byte[] head = "POST /ok HTTP/1.1\r\nHost: limited.example\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[][] chunks = new byte[12][];
        for (int i = 0; i < 11; i++) chunks[i] = "14\r\n[1,1,1,1,1,1,1,1,1]\r\n".replace("[1,1,1,1,1,1,1,1,1]", "[1,1,1,1,1,1,1,1,11]").getBytes(StandardCharsets.ISO_8859_1);
        chunks[11] = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(status(raw(head, chunks))).isEqualTo(413);
    }

    @Test
    @Order(2)
    void jsonSchemaViolationNamesTheField() throws Exception {
        String ok = req("POST", "orders.example", "/orders", "application/json", "{\"id\":\"a1\",\"items\":[{\"price\":3}]}");
        assertThat(status(ok)).isEqualTo(200);
        assertThat(ok).contains("books-v1"); // the echo backend answered
        String bad = req("POST", "orders.example", "/orders", "application/json", "{\"id\":\"a1\",\"items\":[{\"price\":-1},{}]}");
        assertThat(status(bad)).isEqualTo(400);
        JsonNode p = problem(bad);
        assertThat(p.path("status").asInt()).isEqualTo(400);
        assertThat(p.path("title").asText()).isEqualTo("Bad Request");
        assertThat(p.path("errors").findValuesAsText("pointer")).contains("/items/0/price", "/items/1/price");
        assertThat(bad).doesNotContain("books-v1");
        String notJson = req("POST", "orders.example", "/orders", "application/json", "{nope");
        assertThat(status(notJson)).isEqualTo(400);
        // a chunked body is buffered (up to the cap) and checked too
        byte[] head = "POST /orders HTTP/1.1\r\nHost: orders.example\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        String part1 = "{\"id\":\"a1\",";
        String part2 = "\"items\":[{\"price\":\"x\"}]}";
        byte[][] chunks = {
                (Integer.toHexString(part1.length()) + "\r\n" + part1 + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
                (Integer.toHexString(part2.length()) + "\r\n" + part2 + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
                "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)};
        String chunked = raw(head, chunks);
        assertThat(status(chunked)).isEqualTo(400);
        assertThat(problem(chunked).path("errors").findValuesAsText("pointer")).contains("/items/0/price");
    }

    @Test
    @Order(3)
    void openApiOperationViolationNamesTheField() throws Exception {
        String ok = req("PUT", "pets.example", "/pets/7?dryRun=true", "application/json", "{\"name\":\"rex\",\"age\":3}");
        assertThat(status(ok)).isEqualTo(200);
        String badBody = req("PUT", "pets.example", "/pets/7", "application/json", "{\"name\":\"rex\",\"age\":-3}");
        assertThat(status(badBody)).isEqualTo(400);
        assertThat(problem(badBody).path("errors").findValuesAsText("pointer")).contains("/age");
        String missing = req("PUT", "pets.example", "/pets/7", "application/json", "{\"age\":3}");
        assertThat(problem(missing).path("errors").findValuesAsText("pointer")).contains("/name");
        String badPath = req("PUT", "pets.example", "/pets/zero", "application/json", "{\"name\":\"rex\"}");
        assertThat(status(badPath)).isEqualTo(400);
        assertThat(problem(badPath).path("errors").findValuesAsText("parameter")).contains("id");
        String badQuery = req("PUT", "pets.example", "/pets/7?dryRun=maybe", "application/json", "{\"name\":\"rex\"}");
        assertThat(status(badQuery)).isEqualTo(400);
        assertThat(problem(badQuery).path("errors").findValuesAsText("parameter")).contains("dryRun");
        assertThat(status(req("GET", "pets.example", "/cats", null, null))).isEqualTo(404);
        assertThat(status(req("GET", "pets.example", "/pets/7", null, null))).isEqualTo(405);
    }

    /** curl over h2c (prior knowledge): the body, then a line "CODE VERSION". {@code stdin}: the body to upload from stdin. */
    static String h2(String host, String method, String path, String body, byte[] stdin) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--http2-prior-knowledge", "-X", method,
                "-H", "Host: " + host, "-H", "Content-Type: application/json", "-w", "\n%{http_code} %{http_version}"));
        if (body != null) cmd.addAll(List.of("--data-binary", body));
        if (stdin != null) cmd.addAll(List.of("-T", "-"));
        cmd.add("http://127.0.0.1:" + gw + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) {
            try (OutputStream o = p.getOutputStream()) {
                o.write(stdin);
            } catch (java.io.IOException closed) {
                // curl stopped reading: the proxy answered first
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    @Order(3)
    void overHttp2TheSameChecksHold() throws Exception {
        assertThat(h2("orders.example", "POST", "/orders", "{\"id\":\"a1\",\"items\":[{\"price\":3}]}", null)).endsWith("200 2");
        String bad = h2("orders.example", "POST", "/orders", "{\"id\":\"a1\",\"items\":[{\"price\":-3}]}", null);
        assertThat(bad).endsWith("400 2");
        JsonNode p = Mesh.JSON.readTree(bad.substring(0, bad.lastIndexOf('\n')));
        assertThat(p.path("errors").findValuesAsText("pointer")).containsExactly("/items/0/price");
        // a body without Content-Length (curl -T - streams it) that crosses the cap mid-stream: 413
        String big = "{\"id\":\"" + "x".repeat(8000) + "\",\"items\":[]}";
        assertThat(h2("orders.example", "PUT", "/orders", null, big.getBytes(StandardCharsets.UTF_8))).endsWith("413 2");
        assertThat(h2("limited.example", "DELETE", "/ok", null, null)).endsWith("405 2");
    }

    static String reason(String name) throws Exception {
        return mesh.adminJson("/api/v1/resources?kind=requestvalidationpolicies&name=" + name).path(0).path("status")
                .path("ancestors").path(0).path("conditions").path(0).path("reason").asText();
    }

    @Test
    @Order(4)
    void badInputKeepsTheLastGoodVersionOrFailsClosed() throws Exception {
        String policies = Files.readString(dir.resolve("policies.yaml"));
        String valid = "{\"id\":\"a1\",\"items\":[{\"price\":3}]}";
        String invalid = "{\"id\":\"a1\",\"items\":[{\"price\":-3}]}";
        assertThat(reason("order-schema")).isEqualTo("Accepted");
        // order-schema stops validating: its last good version keeps serving, its status says Invalid
        Files.writeString(dir.resolve("policies.yaml"), policies.replace("limits: {maxBodyBytes: 4096}", "limits: {maxBodyBytes: -1}"));
        mesh.await("the broken version is reported", java.time.Duration.ofSeconds(30), () -> reason("order-schema").equals("Invalid"));
        assertThat(mesh.output()).contains("RequestValidationPolicy default/order-schema: spec.limits.maxBodyBytes");
        assertThat(status(req("POST", "orders.example", "/orders", "application/json", valid))).isEqualTo(200);
        assertThat(status(req("POST", "orders.example", "/orders", "application/json", invalid))).isEqualTo(400);
        // a new policy that does not validate (no last good version) fails closed for its targets
        Files.writeString(dir.resolve("broken.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: broken}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: limited}]
                  methods: [get]
                """);
        mesh.await("the broken policy fails closed", java.time.Duration.ofSeconds(30),
                () -> status(req("GET", "limited.example", "/ok", null, null)) == 503);
        mesh.await("the problem is reported", java.time.Duration.ofSeconds(10),
                () -> mesh.output().contains("RequestValidationPolicy default/broken: spec.methods[0]: must be an upper-case HTTP method"));
        // the OpenAPI document in the ConfigMap stops compiling: the last good document keeps serving, and the status
        // and the problem say why
        Files.writeString(dir.resolve("policies.yaml"), policies.replace("openapi: 3.1.0", "openapi: 2.0"));
        mesh.await("the bad document is reported", java.time.Duration.ofSeconds(30), () -> reason("pets-api").equals("Invalid"));
        assertThat(mesh.output()).contains("the last schema of the policy that compiled keeps serving");
        assertThat(status(req("PUT", "pets.example", "/pets/7", "application/json", "{\"name\":\"rex\"}"))).isEqualTo(200);
        String stillChecked = req("PUT", "pets.example", "/pets/7", "application/json", "{\"name\":\"rex\",\"age\":-3}");
        assertThat(status(stillChecked)).isEqualTo(400);
        assertThat(problem(stillChecked).path("errors").findValuesAsText("pointer")).contains("/age");
        // fixed: everything serves again
        Files.delete(dir.resolve("broken.yaml"));
        Files.writeString(dir.resolve("policies.yaml"), policies);
        mesh.await("the fixed policies serve again", java.time.Duration.ofSeconds(30),
                () -> status(req("GET", "limited.example", "/ok", null, null)) == 200
                        && status(req("PUT", "pets.example", "/pets/7", "application/json", "{\"name\":\"rex\"}")) == 200);
        assertThat(reason("pets-api")).isEqualTo("Accepted");
        assertThat(reason("order-schema")).isEqualTo("Accepted");
    }
}
