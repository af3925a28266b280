package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 between proxies (issue #6): the gateway reaches the books sidecar by mesh mTLS, ALPN picks h2 there, and the
 * sidecar forwards HTTP/1.1 to the app. Evidence of the h2 hop: the sidecar's
 * {@code lattice_proxy_downstream_connections_total{protocol="h2"}} grows while its HTTP/1.1 count does not, and 50
 * concurrent requests ride on a handful of connections; the gateway's {@code /config_dump} says {@code meshHttp2}.
 * Bodies (content-length and chunked, large ones both ways), HEAD, 204, 304, {@code Connection: close} and a
 * WebSocket (which stays HTTP/1.1 over its own mTLS connection) all cross it.
 */
class MeshHttp2IT {
    static final String HOST = "books.example";
    static Mesh mesh;
    static int gw;
    static int gatewayAdmin;
    static int sidecarAdmin;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        int app = Mesh.freePort();
        Path dir = Files.createTempDirectory("lattice-h2mesh-");
        Files.writeString(dir.resolve("mesh.yaml"), MtlsIT.booksMesh(gw, app));
        mesh = Mesh.up(dir);
        mesh.awaitProxiesSynced(Duration.ofSeconds(60));
        mesh.awaitIdentities(2);
        mesh.awaitRoute(gw, HOST, "/");
        for (JsonNode p : mesh.adminJson("/api/v1/proxies")) {
            if (p.path("id").asText().equals("sidecar~default~books-v1")) sidecarAdmin = p.path("adminPort").asInt();
            else if (p.path("role").asText().equalsIgnoreCase("gateway")) gatewayAdmin = p.path("adminPort").asInt();
        }
        assertThat(sidecarAdmin).as("sidecar admin port").isPositive();
        assertThat(gatewayAdmin).as("gateway admin port").isPositive();
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    /** The sidecar's inbound downstream connections by protocol, summed over its inbound listeners. */
    static long inboundConnections(String protocol) {
        String metrics = Mesh.get(URI.create("http://127.0.0.1:" + sidecarAdmin + "/metrics"), java.util.Map.of()).body();
        Matcher m = Pattern.compile("lattice_proxy_downstream_connections_total\\{([^}]*)\\} ([0-9.eE+]+)").matcher(metrics);
        long n = 0;
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("listener=\"inbound") && labels.contains("protocol=\"" + protocol + "\"")) {
                n += (long) Double.parseDouble(m.group(2));
            }
        }
        return n;
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return Mesh.HTTP.send(b.header("Host", HOST).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gw + path);
    }

    @Test
    void theHopBetweenTheProxiesIsHttp2AndTheAppStillGetsHttp11() throws Exception {
        JsonNode dump = Mesh.JSON.readTree(Mesh.get(URI.create("http://127.0.0.1:" + gatewayAdmin + "/config_dump"),
                java.util.Map.of()).body());
        JsonNode books = null;
        for (JsonNode c : dump.path("clusters")) if (c.path("name").asText().equals("default/books/9080")) books = c;
        assertThat(books).as("cluster default/books/9080 in the gateway's config_dump").isNotNull();
        assertThat(books.path("mtlsEndpoints")).hasSize(1);
        assertThat(books.path("meshHttp2").asBoolean()).as(books.toString()).isTrue();

        long h1Before = inboundConnections("http/1.1");
        // hop-by-hop headers of the client's hop (RFC 9110 7.6.1) must not reach the app, end-to-end ones must
        String raw;
        try (Socket s = new Socket("127.0.0.1", gw)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET /hello?x=1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close, X-Hop\r\n"
                    + "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers, deflate\r\n"
                    + "X-Custom: kept\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(raw).startsWith("HTTP/1.1 200");
        JsonNode echo = Mesh.JSON.readTree(raw.substring(raw.indexOf('{'), raw.lastIndexOf('}') + 1));
        assertThat(echo.path("name").asText()).isEqualTo("books-v1");
        // the app leg is HTTP/1.1, Host is the client's (it was :authority on the h2 hop), end-to-end headers kept
        assertThat(echo.path("proto").asText()).isEqualTo("HTTP/1.1");
        assertThat(echo.path("host").asText()).isEqualTo(HOST);
        assertThat(echo.path("path").asText()).startsWith("/hello");
        JsonNode headers = echo.path("headers");
        List<String> names = new ArrayList<>();
        headers.fieldNames().forEachRemaining(h -> names.add(h.toLowerCase(java.util.Locale.ROOT)));
        assertThat(names).as(headers.toString()).contains("x-custom")
                .doesNotContain("x-hop", "keep-alive", "proxy-connection", "upgrade", "x-http2-stream-id", "x-http2-scheme");
        assertThat(headers.toString()).contains("kept").doesNotContain("secret").doesNotContain("deflate");
        // the sidecar took the gateway's connection as h2 (ALPN), not as HTTP/1.1
        assertThat(inboundConnections("h2")).isPositive();
        assertThat(inboundConnections("http/1.1")).isEqualTo(h1Before);
    }

    @Test
    void bodiesBothWaysHeadNoContentAndNotModifiedCrossTheH2Hop() throws Exception {
        byte[] big = new byte[3_000_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        // content-length
        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(Mesh.JSON.readTree(post.body()).path("bodyLength").asLong()).isEqualTo(big.length);
        // chunked (no length known up front)
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(uri("/upload-chunked"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
        assertThat(chunked.statusCode()).isEqualTo(200);
        assertThat(Mesh.JSON.readTree(chunked.body()).path("bodyLength").asLong()).isEqualTo(big.length);
        // a small body too, and an empty POST
        assertThat(Mesh.JSON.readTree(send(HttpRequest.newBuilder(uri("/small")).POST(HttpRequest.BodyPublishers.ofString("hi")))
                .body()).path("bodyLength").asLong()).isEqualTo(2);
        assertThat(send(HttpRequest.newBuilder(uri("/empty")).POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(200);
        // a large streamed response
        HttpResponse<byte[]> bytes = Mesh.HTTP.send(HttpRequest.newBuilder(uri("/bytes/8000000")).header("Host", HOST)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.body()).hasSize(8_000_000);
        // HEAD: headers only; 204 and 304: no body
        HttpResponse<String> head = send(HttpRequest.newBuilder(uri("/head")).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(send(HttpRequest.newBuilder(uri("/status/204")).GET()).statusCode()).isEqualTo(204);
        HttpResponse<String> notModified = send(HttpRequest.newBuilder(uri("/status/304")).GET());
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();
        // the connection to the gateway is still good after all that
        assertThat(send(HttpRequest.newBuilder(uri("/after")).GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void connectionCloseFromTheClientIsTheClientsHopOnly() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /close HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);  // EOF: closed
            assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").contains("\"bodyLength\":5");
        }
        // and the pooled h2 hop survived it
        assertThat(send(HttpRequest.newBuilder(uri("/next")).GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void manyConcurrentRequestsShareAFewH2Connections() throws Exception {
        long h1Before = inboundConnections("http/1.1");
        long h2Before = inboundConnections("h2");
        // a client of its own: HTTP/1.1 to the gateway, one connection per request in flight
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(
                java.util.concurrent.Executors.newFixedThreadPool(50)).build();
        try {
            for (int round = 0; round < 6; round++) {
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/c/" + round + "/" + i + "?delay=20ms")).header("Host", HOST)
                            .timeout(Duration.ofSeconds(30));
                    b = i % 2 == 0 ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000 + i)));
                    all.add(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
                }
                for (int i = 0; i < all.size(); i++) {
                    HttpResponse<String> r = all.get(i).get();
                    assertThat(r.statusCode()).as("request " + round + "/" + i).isEqualTo(200);
                    JsonNode e = Mesh.JSON.readTree(r.body());
                    assertThat(e.path("path").asText()).startsWith("/c/" + round + "/" + i + "?");
                    if (i % 2 == 1) assertThat(e.path("bodyLength").asInt()).isEqualTo(1000 + i);
                }
            }
        } finally {
            client.shutdownNow();
        }
        // 300 requests, 50 at a time: HTTP/1.1 would have needed tens of connections; h2 multiplexes them on one per
        // gateway event loop (a reconnect or two at most)
        assertThat(inboundConnections("http/1.1")).isEqualTo(h1Before);
        assertThat(inboundConnections("h2") - h2Before).isLessThanOrEqualTo(4);
    }

    @Test
    void aWebSocketStaysHttp11OverItsOwnMtlsConnection() throws Exception {
        long h1Before = inboundConnections("http/1.1");
        try (Socket s = new Socket("127.0.0.1", gw)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: " + HOST + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101");
            // the echo's first frame: a text frame with its JSON hello
            int b0 = in.read();
            int len = in.read() & 0x7f;
            if (len == 126) len = (in.read() << 8) | in.read();
            byte[] payload = in.readNBytes(len);
            assertThat(b0 & 0x0f).isEqualTo(1);
            assertThat(new String(payload, StandardCharsets.UTF_8)).contains("books-v1");
        }
        // the tunnel reached the sidecar as an HTTP/1.1 connection (ALPN http/1.1 only), not as an h2 stream
        mesh.await("the tunnel counted as HTTP/1.1 on the sidecar", Duration.ofSeconds(10),
                () -> inboundConnections("http/1.1") == h1Before + 1);
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') break;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
