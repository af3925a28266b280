package dev.lattice.proxy.it;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.direct;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.toCluster;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.TestConfigs.weighted;
import static dev.lattice.proxy.it.ProxyFixture.curl;
import static dev.lattice.proxy.it.ProxyFixture.get;
import static dev.lattice.proxy.it.ProxyFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.testkit.EchoServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy in-process with a bootstrap config, real sockets, echo backends, JDK HttpClient and curl. */
class ProxyIT {
    @TempDir
    static Path dir;
    static EchoServer a;
    static EchoServer b;
    static ProxyServer proxy;
    static int port;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        a = EchoServer.start(0, "a", "default");
        b = EchoServer.start(0, "b", "default");
        int dead = ProxyFixture.deadPort();
        String json = bootstrap(List.of(listener("gw", 0, false,
                        vhost("split", List.of("split.example"), route("split", "\"prefix\": \"/\"",
                                weighted("svc-a", 3, "svc-b", 1, "svc-never", 0))),
                        vhost("h2up", List.of("h2up.example"), route("h2", "\"prefix\": \"/\"", toCluster("svc-a-h2"))),
                        vhost("reviews", List.of("reviews.default:9080"), route("r", "\"prefix\": \"/\"", toCluster("svc-b"))),
                        vhost("narrow", List.of("narrow.example"), route("only", "\"path\": \"/only\"", direct(200, "only"))),
                        vhost("all", List.of("*"),
                                route("timeout", "\"prefix\": \"/timeout\"", toCluster("svc-a", "0.300s")),
                                route("dead", "\"prefix\": \"/dead\"", toCluster("svc-dead")),
                                route("fallback", "\"prefix\": \"/fallback\"", toCluster("svc-dead-then-live")),
                                route("empty", "\"prefix\": \"/empty\"", toCluster("svc-empty")),
                                route("missing", "\"prefix\": \"/missing\"", toCluster("nope")),
                                route("invalid", "\"prefix\": \"/invalid\"", weighted("lattice.invalid/BackendNotFound", 1)),
                                route("lr", "\"prefix\": \"/lr\"", toCluster("svc-ab-lr")),
                                route("rest", "\"prefix\": \"/\"", toCluster("svc-a"))))),
                List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port()),
                        cluster("svc-a-h2", "ROUND_ROBIN", true, a.port()),
                        cluster("svc-ab-lr", "LEAST_REQUEST", false, a.port(), b.port()),
                        cluster("svc-dead-then-live", dead, a.port()),
                        cluster("svc-dead", dead), cluster("svc-empty")));
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, json);
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~it", 0, 2, boot, Map.of()));
        port = proxy.listenerPort("gw");
        client = ProxyFixture.http1();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void http1RequestReachesTheBackendWithHostPreservedAndForwardedHeaders() throws Exception {
        HttpResponse<String> r = get(client, port, "/hello?x=1", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = json(r.body());
        assertThat(j.get("name").asText()).isEqualTo("a");
        assertThat(j.get("path").asText()).isEqualTo("/hello?x=1");
        assertThat(j.get("host").asText()).isEqualTo("127.0.0.1:" + port);
        assertThat(j.get("proto").asText()).isEqualTo("HTTP/1.1");
        assertThat(j.at("/headers/x-forwarded-for/0").asText()).isEqualTo("127.0.0.1");
        assertThat(j.at("/headers/x-forwarded-proto/0").asText()).isEqualTo("http");
    }

    @Test
    void teTrailersIsForwardedAndOtherTeValuesAreNot() throws Exception {
        // TE is hop-by-hop; "trailers" (what gRPC clients send) goes on, as Envoy forwards it
        JsonNode j = json(curl("-s", "-H", "TE: trailers, deflate;q=0.5", "http://127.0.0.1:" + port + "/te"));
        assertThat(j.at("/headers/te/0").asText()).isEqualTo("trailers");
        j = json(curl("-s", "-H", "TE: deflate", "http://127.0.0.1:" + port + "/te"));
        assertThat(j.at("/headers/te").isMissingNode()).as(j.toString()).isTrue();
    }

    @Test
    void h2cWithPriorKnowledgeDownstream() throws Exception {
        String out = curl("--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "http://127.0.0.1:" + port + "/h2c-down");
        String[] parts = out.split("\n");
        assertThat(parts[parts.length - 1]).isEqualTo("2 200");
        JsonNode j = json(out.substring(0, out.lastIndexOf('\n')));
        assertThat(j.get("name").asText()).isEqualTo("a");
        assertThat(j.get("path").asText()).isEqualTo("/h2c-down");
        assertThat(j.get("proto").asText()).isEqualTo("HTTP/1.1");
    }

    @Test
    void manyConcurrentStreamsOnOneH2cConnectionToHttp1AndH2cUpstreams() throws Exception {
        try (H2cClient h2 = new H2cClient(port)) {
            List<java.util.concurrent.CompletableFuture<H2cClient.Response>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(h2.get("/m" + i, i % 2 == 0 ? "127.0.0.1" : "h2up.example"));
            }
            for (int i = 0; i < all.size(); i++) {
                H2cClient.Response r = all.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                JsonNode j = json(r.body());
                assertThat(j.get("path").asText()).isEqualTo("/m" + i);
                assertThat(j.get("proto").asText()).isEqualTo(i % 2 == 0 ? "HTTP/1.1" : "HTTP/2.0");
            }
        }
    }

    @Test
    void h2cUpstreamWhenTheClusterSaysHttp2() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = get(client, port, "/up?i=" + i, "h2up.example");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = json(r.body());
            assertThat(j.get("proto").asText()).isEqualTo("HTTP/2.0");
            assertThat(j.get("host").asText()).isEqualTo("h2up.example");
            assertThat(j.get("path").asText()).isEqualTo("/up?i=" + i);
        }
        // h2c on both sides
        String out = curl("--http2-prior-knowledge", "-H", "Host: h2up.example", "http://127.0.0.1:" + port + "/both");
        assertThat(json(out).get("proto").asText()).isEqualTo("HTTP/2.0");
    }

    @Test
    void weightedSplitFollowsTheWeightsAndNeverPicksWeightZero() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 600; i++) {
            HttpResponse<String> r = get(client, port, "/s", "split.example");
            assertThat(r.statusCode()).isEqualTo(200);
            counts.merge(json(r.body()).get("name").asText(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b");
        // expected 450 / 150; 5 standard deviations is about 53
        assertThat(counts.get("b")).isBetween(97, 203);
    }

    @Test
    void statusCodesForRoutingFailures() throws Exception {
        assertThat(get(client, port, "/", "narrow.example").statusCode()).isEqualTo(404);
        assertThat(get(client, port, "/only", "narrow.example").statusCode()).isEqualTo(200);
        assertThat(get(client, port, "/invalid", null).statusCode()).isEqualTo(500);
        assertThat(get(client, port, "/missing", null).statusCode()).isEqualTo(503);
        assertThat(get(client, port, "/empty", null).statusCode()).isEqualTo(503);
        assertThat(get(client, port, "/dead", null).statusCode()).isEqualTo(503);
        assertThat(get(client, port, "/timeout?delay=3s", null).statusCode()).isEqualTo(504);
        assertThat(get(client, port, "/timeout?delay=10ms", null).statusCode()).isEqualTo(200);
        assertThat(get(client, port, "/status/418", null).statusCode()).isEqualTo(418);
    }

    @Test
    void connectFailureTriesTheOtherEndpoints() throws Exception {
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get(client, port, "/fallback", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).get("name").asText()).isEqualTo("a");
        }
    }

    @Test
    void leastRequestUsesBothEndpoints() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            counts.merge(json(get(client, port, "/lr", null).body()).get("name").asText(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b");
    }

    @Test
    void malformedRequestGets400AndTheConnectionIsClosed() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(resp).startsWith("HTTP/1.1 400 ");
        }
    }

    @Test
    void malformedBodyOnAForwardedRouteGets400() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(resp).startsWith("HTTP/1.1 400 ");
        }
    }

    @Test
    void absoluteFormProxyRequests() throws Exception {
        HttpClient viaProxy = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", port))).build();
        HttpResponse<String> r = viaProxy.send(HttpRequest.newBuilder(URI.create("http://reviews.default:9080/x?q=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = json(r.body());
        assertThat(j.get("name").asText()).isEqualTo("b");
        assertThat(j.get("path").asText()).isEqualTo("/x?q=1");
        assertThat(j.get("host").asText()).isEqualTo("reviews.default:9080");
    }

    @Test
    void multiMegabyteUploadWithContentLengthAndChunked() throws Exception {
        byte[] body = new byte[8 * 1024 * 1024 + 17];
        new Random(1).nextBytes(body);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r.body()).get("bodyLength").asLong()).isEqualTo(body.length);
        HttpResponse<String> chunked = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(200);
        JsonNode j = json(chunked.body());
        assertThat(j.get("bodyLength").asLong()).isEqualTo(body.length);
        assertThat(j.at("/headers/transfer-encoding/0").asText()).isEqualTo("chunked");
        // and over h2c towards an h2c upstream
        Path f = dir.resolve("upload.bin");
        Files.write(f, body);
        String out = curl("--http2-prior-knowledge", "-H", "Host: h2up.example", "--data-binary", "@" + f,
                "http://127.0.0.1:" + port + "/upload");
        assertThat(json(out).get("bodyLength").asLong()).isEqualTo(body.length);
    }

    @Test
    void multiMegabyteDownload() throws Exception {
        long n = 24L * 1024 * 1024 + 5;
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bytes/" + n)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long total;
        try (InputStream in = r.body()) {
            total = in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat(total).isEqualTo(n);
        String sizes = curl("--http2-prior-knowledge", "-H", "Host: h2up.example", "-o", "/dev/null", "-w", "%{size_download}",
                "http://127.0.0.1:" + port + "/bytes/" + n);
        assertThat(Long.parseLong(sizes.trim())).isEqualTo(n);
    }

    @Test
    void upstreamConnectionsArePooled() throws Exception {
        HttpClient one = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 200; i++) {
            assertThat(get(one, port, "/pooled", "reviews.default:9080").statusCode()).isEqualTo(200);
        }
        String metrics = curl("http://127.0.0.1:" + proxy.adminPort() + "/stats/prometheus");
        String line = metrics.lines().filter(l -> l.startsWith("lattice_proxy_upstream_connections_opened_total{cluster=\"svc-b\"}"))
                .findFirst().orElseThrow();
        double opened = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        assertThat(opened).isBetween(1.0, 6.0);
    }

    @Test
    void adminEndpoints() throws Exception {
        assertThat(curl("http://127.0.0.1:" + proxy.adminPort() + "/ready")).isEqualTo("ready\n");
        JsonNode dump = json(curl("http://127.0.0.1:" + proxy.adminPort() + "/config_dump"));
        assertThat(dump.get("source").asText()).isEqualTo("bootstrap");
        assertThat(dump.at("/listeners/0/name").asText()).isEqualTo("gw");
        assertThat(dump.at("/listeners/0/boundPort").asInt()).isEqualTo(port);
        assertThat(dump.get("clusters").size()).isEqualTo(7);
        assertThat(dump.at("/tls/provider").asText()).isEqualTo("BoringSSL"); // netty-tcnative is a dependency
        assertThat(dump.at("/tls/library").asText()).containsIgnoringCase("BoringSSL");
        get(client, port, "/metrics-check", null);
        String metrics = curl("http://127.0.0.1:" + proxy.adminPort() + "/stats/prometheus");
        assertThat(metrics).contains("lattice_proxy_requests_total{cluster=\"svc-a\",code_class=\"2xx\",listener=\"gw\"}")
                .contains("lattice_proxy_downstream_connections_active{listener=\"gw\"}");
    }

    @Test
    void keepAliveSurvivesManyRequestsOnOneConnection() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            // pipelined: three requests in one write, answered in order
            out.write(("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /p3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int p1 = all.indexOf("\"/p1\"");
            int p2 = all.indexOf("\"/p2\"");
            int p3 = all.indexOf("\"/p3\"");
            assertThat(p1).isPositive();
            assertThat(p2).isGreaterThan(p1);
            assertThat(p3).isGreaterThan(p2);
        }
    }

    @Test
    void expectContinueIsHandled() throws Exception {
        Path f = dir.resolve("small.bin");
        Files.write(f, new byte[300_000]);
        String out = curl("-H", "Expect: 100-continue", "--data-binary", "@" + f, "http://127.0.0.1:" + port + "/expect");
        assertThat(json(out).get("bodyLength").asLong()).isEqualTo(300_000);
        assertThat(json(out).path("headers").has("expect")).isFalse();
    }

    @Test
    void headAndNoContentResponses() throws Exception {
        String head = curl("-I", "http://127.0.0.1:" + port + "/head");
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length:");
        assertThat(get(client, port, "/status/204", null).statusCode()).isEqualTo(204);
        // the connection is still good after both
        assertThat(get(client, port, "/after", null).statusCode()).isEqualTo(200);
    }

    @Test
    void http10ClientGetsAnHttp10Response() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10000);
            s.getOutputStream().write("GET /old HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.0 200 ").contains("\"/old\"");
        }
    }

}
