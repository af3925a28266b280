package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/bookstore as a user runs it (ports moved to free ones): the gateway, the weighted canary, the sidecars'
 * outbound and inbound paths, streaming, and the error statuses of issue #2, over HTTP/1.1 and h2c.
 */
class BookstoreIT {
    static final String HOST = "bookstore.example";
    static Mesh mesh;
    static int gw;
    static int booksOutbound;

    static Path meshDir;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        booksOutbound = Mesh.freePort();
        Path dir = Mesh.bookstore(gw, Map.of("serviceAccount: books", "serviceAccount: books\n  sidecar: {outboundPort: " + booksOutbound + "}"));
        Files.writeString(dir.resolve("extra.yaml"), """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: extra, namespace: default}
                spec:
                  parentRefs: [{name: bookstore}]
                  hostnames: [bookstore.example]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /bytes}}, {path: {type: Exact, value: /upload}}]
                    backendRefs: [{name: books, port: 9080}]
                  - matches: [{path: {type: PathPrefix, value: /empty}}]
                    backendRefs: [{name: empty, port: 9080}]
                  - matches: [{path: {type: PathPrefix, value: /missing}}]
                    backendRefs: [{name: no-such-service, port: 9080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty, namespace: default}
                spec:
                  selector: {app: nobody}
                  ports: [{name: http, port: 9080, targetPort: 9080}]
                """);
        meshDir = dir;
        mesh = Mesh.up(dir);
        for (String path : List.of("/books", "/ratings", "/bytes/1")) mesh.awaitRoute(gw, HOST, path);
        mesh.await("reviews v1 and v2", Duration.ofSeconds(60), () -> {
            var names = new java.util.HashSet<String>();
            for (int i = 0; i < 40; i++) names.add(name(Mesh.viaGateway(gw, HOST, "/reviews")));
            return names.containsAll(List.of("reviews-v1", "reviews-v2"));
        });
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static String name(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Mesh.JSON.readTree(r.body()).path("name").asText();
    }

    @Test
    void gatewayRoutesEachPathToItsService() throws Exception {
        assertThat(name(Mesh.viaGateway(gw, HOST, "/books"))).isEqualTo("books-v1");
        assertThat(name(Mesh.viaGateway(gw, HOST, "/books/1?x=y"))).isEqualTo("books-v1");
        assertThat(name(Mesh.viaGateway(gw, HOST, "/ratings"))).isEqualTo("ratings-v1");
        JsonNode echo = Mesh.JSON.readTree(Mesh.viaGateway(gw, HOST, "/books/1?x=y").body());
        assertThat(echo.path("path").asText()).isEqualTo("/books/1?x=y");
        assertThat(echo.path("host").asText()).startsWith(HOST);
    }

    @Test
    void weightedSplitFollowsTheWeights() throws Exception {
        int v1 = 0, v2 = 0, n = 500;
        for (int i = 0; i < n; i++) {
            String name = name(Mesh.viaGateway(gw, HOST, "/reviews"));
            if (name.equals("reviews-v1")) v1++;
            else if (name.equals("reviews-v2")) v2++;
        }
        assertThat(v1 + v2).isEqualTo(n);
        assertThat(v1 / (double) n).isBetween(0.75, 0.85);
    }

    @Test
    void unknownPathOrHostIs404() {
        assertThat(Mesh.viaGateway(gw, HOST, "/nothing-here").statusCode()).isEqualTo(404);
        assertThat(Mesh.viaGateway(gw, "other.example", "/books").statusCode()).isEqualTo(404);
        assertThat(Mesh.viaGateway(gw, HOST, "/booksx").statusCode()).as("PathPrefix is segment-wise").isEqualTo(404);
    }

    @Test
    void serviceWithoutEndpointsIs503AndMissingBackendIs500() {
        assertThat(Mesh.viaGateway(gw, HOST, "/empty").statusCode()).isEqualTo(503);
        assertThat(Mesh.viaGateway(gw, HOST, "/missing").statusCode()).isEqualTo(500);
    }

    @Test
    void h2cPriorKnowledgeThroughTheGateway() throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-H", "Host: " + HOST,
                "-w", "\n%{http_code} %{http_version}", "http://127.0.0.1:" + gw + "/books/h2")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).endsWith("200 2");
        assertThat(Mesh.JSON.readTree(out.substring(0, out.lastIndexOf('\n'))).path("name").asText()).isEqualTo("books-v1");
    }

    @Test
    void sidecarOutboundWorksAsHttpProxyAndByHost() throws Exception {
        // absolute-form, as clients send it under HTTP_PROXY; the GAMMA route on reviews picks v1 by default
        String r = raw(booksOutbound, "GET http://reviews.default:9080/r1 HTTP/1.1\r\nHost: reviews.default:9080\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(r).contains("\"name\":\"reviews-v1\"");
        String v2 = raw(booksOutbound, "GET http://reviews.default:9080/r2 HTTP/1.1\r\nHost: reviews.default:9080\r\nx-version: v2\r\nConnection: close\r\n\r\n");
        assertThat(v2).contains("\"name\":\"reviews-v2\"");
        for (String host : List.of("ratings", "ratings.default", "ratings.default.svc", "ratings.default.svc.cluster.local")) {
            for (String h : List.of(host, host + ":9080")) {
                HttpResponse<String> resp = Mesh.get(URI.create("http://127.0.0.1:" + booksOutbound + "/x"), Map.of("Host", h));
                assertThat(resp.statusCode()).as(h).isEqualTo(200);
                assertThat(Mesh.JSON.readTree(resp.body()).path("name").asText()).as(h).isEqualTo("ratings-v1");
            }
        }
        HttpResponse<String> unknown = Mesh.get(URI.create("http://127.0.0.1:" + booksOutbound + "/x"), Map.of("Host", "nosuch.default"));
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void malformedRequestGets400AndTheConnectionCloses() throws Exception {
        String r = raw(gw, "THIS IS NOT HTTP\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400");
        // the gateway still serves afterwards
        assertThat(Mesh.viaGateway(gw, HOST, "/books").statusCode()).isEqualTo(200);
    }

    @Test
    void multiMegabyteUploadAndDownloadStreamThroughGatewayAndSidecar() throws Exception {
        int size = 24 * 1024 * 1024;
        HttpResponse<InputStream> down = Mesh.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + "/bytes/" + size))
                .header("Host", HOST).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(down.statusCode()).isEqualTo(200);
        long total = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) total += n;
        }
        assertThat(total).isEqualTo(size);

        byte[] body = new byte[size];
        for (int i = 0; i < body.length; i++) body[i] = (byte) i;
        HttpResponse<String> up = Mesh.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + "/upload"))
                .header("Host", HOST).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(Mesh.JSON.readTree(up.body()).path("bodyLength").asLong()).isEqualTo(size);
    }

    @Test
    void statusListsEveryProxy() throws Exception {
        Mesh.Result r = Mesh.run("status", "-o", "json", "--admin", "127.0.0.1:" + mesh.adminPort);
        assertThat(r.exit()).as(r.output()).isZero();
        String out = r.output();
        for (String id : List.of("gateway~default~bookstore", "sidecar~default~books-v1", "sidecar~default~reviews-v1",
                "sidecar~default~reviews-v2", "sidecar~default~ratings-v1")) {
            assertThat(out).contains(id);
        }
        Mesh.Result get = Mesh.run("get", "httproute", "bookstore", "-o", "yaml", "--admin", "127.0.0.1:" + mesh.adminPort);
        assertThat(get.exit()).as(get.output()).isZero();
        assertThat(get.output()).contains("kind: HTTPRoute", "Accepted", "ResolvedRefs");
    }

    @Test
    void everyProxyHasASpiffeIdentityFromTheMeshCa() throws Exception {
        Map<String, String> expected = Map.of("gateway~default~bookstore", "spiffe://cluster.local/ns/default/sa/bookstore",
                "sidecar~default~books-v1", "spiffe://cluster.local/ns/default/sa/books");
        mesh.awaitIdentities(5);
        java.time.Instant now = java.time.Instant.now();
        for (JsonNode p : mesh.adminJson("/api/v1/proxies")) {
            String id = p.path("id").asText();
            String identity = p.path("identity").asText();
            assertThat(identity).as(id).startsWith("spiffe://cluster.local/ns/default/sa/");
            if (expected.containsKey(id)) assertThat(identity).as(id).isEqualTo(expected.get(id));
            java.time.Instant expiry = java.time.Instant.parse(p.path("certificateExpiry").asText());
            assertThat(expiry).as(id).isBetween(now.plus(Duration.ofHours(23)), now.plus(Duration.ofHours(25)));
            // the proxy holds that certificate itself (its key never left it)
            JsonNode dump = Mesh.JSON.readTree(Mesh.get(URI.create("http://127.0.0.1:" + p.path("adminPort").asInt()
                    + "/config_dump"), Map.of()).body());
            assertThat(dump.at("/identity/spiffeId").asText()).as(id).isEqualTo(identity);
        }
        Mesh.Result status = Mesh.run("status", "--admin", "127.0.0.1:" + mesh.adminPort);
        assertThat(status.output()).contains("IDENTITY", "CERT EXPIRY", "spiffe://cluster.local/ns/default/sa/books");
        // the root stays in DIR/.lattice/ca, its key readable by the owner only
        assertThat(Files.readString(meshDir.resolve(".lattice/ca/root.crt"))).contains("BEGIN CERTIFICATE");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(meshDir.resolve(".lattice/ca/root.key")))).isEqualTo("rw-------");
    }

    @Test
    void everyProxyServesReadyConfigDumpAndPrometheusStats() throws Exception {
        JsonNode proxies = mesh.adminJson("/api/v1/proxies");
        assertThat(proxies.size()).isEqualTo(5);
        Mesh.viaGateway(gw, HOST, "/books");
        for (JsonNode p : proxies) {
            int admin = p.path("adminPort").asInt();
            String base = "http://127.0.0.1:" + admin;
            assertThat(Mesh.get(URI.create(base + "/ready"), Map.of()).statusCode()).as(p.path("id").asText()).isEqualTo(200);
            JsonNode dump = Mesh.JSON.readTree(Mesh.get(URI.create(base + "/config_dump"), Map.of()).body());
            assertThat(dump.path("listeners").size()).as("listeners of " + p.path("id").asText()).isPositive();
            assertThat(dump.path("clusters").size()).as("clusters of " + p.path("id").asText()).isPositive();
        }
        JsonNode gateway = java.util.stream.StreamSupport.stream(proxies.spliterator(), false)
                .filter(p -> p.path("id").asText().equals("gateway~default~bookstore")).findFirst().orElseThrow();
        String stats = Mesh.get(URI.create("http://127.0.0.1:" + gateway.path("adminPort").asInt() + "/stats/prometheus"), Map.of()).body();
        assertThat(stats).containsPattern("lattice_proxy_requests_total\\{[^}]*cluster=\"default/books/9080\"[^}]*\\} [1-9]");
    }

    /** Sends raw bytes on a fresh connection and returns everything the server answers until it closes. */
    static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
