package dev.lattice.proxy.it;

import static dev.lattice.proxy.TestConfigs.CORS_HTTP_FILTER;
import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.TestConfigs.withHttpFilters;
import static dev.lattice.proxy.it.ProxyFixture.curl;
import static dev.lattice.proxy.it.ProxyFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.testkit.EchoServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Route filters end to end: header modifiers, redirects, rewrites, mirrors, timeouts, retries, CORS, gRPC. */
class RouteFiltersIT {
    @TempDir
    static Path dir;
    static EchoServer a;
    static EchoServer b;
    static EchoServer m1;
    static EchoServer m2;
    static HttpServer always503;
    static java.net.ServerSocket blackhole;
    static final List<java.net.Socket> blackholeSockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final AtomicInteger hits503 = new AtomicInteger();
    static EventLoopGroup group;
    static Channel h2Upstream;
    static ProxyServer proxy;
    static int port;
    static HttpClient client;

    private static String hv(String key, String value, boolean append) {
        return "{\"header\": {\"key\": \"" + key + "\", \"value\": \"" + value + "\"}, \"append_action\": \""
                + (append ? "APPEND_IF_EXISTS_OR_ADD" : "OVERWRITE_IF_EXISTS_OR_ADD") + "\"}";
    }

    @BeforeAll
    static void start() throws Exception {
        a = EchoServer.start(0, "a", "default");
        b = EchoServer.start(0, "b", "default");
        m1 = EchoServer.start(0, "m1", "default");
        m2 = EchoServer.start(0, "m2", "default");
        always503 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        always503.createContext("/", ex -> {
            hits503.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        always503.start();
        // accepts and never reads: a mirror towards it cannot take the body
        blackhole = new java.net.ServerSocket();
        blackhole.setReceiveBufferSize(16 * 1024);
        blackhole.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    blackholeSockets.add(blackhole.accept());
                }
            } catch (java.io.IOException e) {
                // closed at the end
            }
        });
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        h2Upstream = trailerServer(group);
        int h2Port = ((InetSocketAddress) h2Upstream.localAddress()).getPort();
        String cors = "\"typed_per_filter_config\": {\"envoy.filters.http.cors\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\", \"allow_origin_string_match\": "
                + "[{\"exact\": \"https://app.example\"}], \"allow_methods\": \"GET, PUT\", \"allow_headers\": \"x-a\", "
                + "\"expose_headers\": \"x-exposed\", \"max_age\": \"100\"}}";
        String json = bootstrap(List.of(withHttpFilters(listener("gw", 0, false,
                        vhost("all", List.of("*"),
                                route("mods", "\"path_separated_prefix\": \"/mods\"", "\"request_headers_to_add\": ["
                                        + hv("X-Set", "set-value", false) + ", " + hv("X-Add", "two", true) + "],"
                                        + " \"request_headers_to_remove\": [\"X-Remove\"],"
                                        + " \"response_headers_to_add\": [" + hv("X-Resp", "r", false) + ", " + hv("X-Echo-Add", "more", true) + "],"
                                        + " \"response_headers_to_remove\": [\"X-Echo-Gone\"],"
                                        + " \"route\": {\"weighted_clusters\": {\"clusters\": [{\"name\": \"svc-a\", \"weight\": 1,"
                                        + " \"request_headers_to_add\": [" + hv("x-backend", "a", false) + "],"
                                        + " \"response_headers_to_add\": [" + hv("x-resp-backend", "a", false) + "]}]}, \"timeout\": \"0s\"}"),
                                route("redirect", "\"path_separated_prefix\": \"/redirect\"", "\"redirect\": {\"scheme_redirect\": \"https\","
                                        + " \"host_redirect\": \"other.example\", \"port_redirect\": 8443, \"prefix_rewrite\": \"/moved\","
                                        + " \"response_code\": \"PERMANENT_REDIRECT\"}"),
                                route("strip", "\"path_separated_prefix\": \"/strip\"", "\"route\": {\"cluster\": \"svc-a\", \"prefix_rewrite\": \"/\"}"),
                                route("prefix", "\"path_separated_prefix\": \"/prefix\"", "\"route\": {\"cluster\": \"svc-a\", \"prefix_rewrite\": \"/foo\","
                                        + " \"host_rewrite_literal\": \"rewritten.example\"}"),
                                route("backend-rewrite", "\"path_separated_prefix\": \"/backend\"", "\"route\": {\"weighted_clusters\":"
                                        + " {\"clusters\": [{\"name\": \"svc-a\", \"weight\": 1, \"host_rewrite_literal\": \"backend.example\","
                                        + " \"typed_per_filter_config\": {\"lattice.backend_url_rewrite\": {\"@type\":"
                                        + " \"type.googleapis.com/envoy.config.route.v3.FilterConfig\", \"is_optional\": true, \"config\": {\"@type\":"
                                        + " \"type.googleapis.com/envoy.config.route.v3.RouteAction\", \"prefix_rewrite\": \"/own\"}}}}]},"
                                        + " \"prefix_rewrite\": \"/route-level\", \"timeout\": \"0s\"}"),
                                route("full", "\"path_separated_prefix\": \"/full\"", "\"route\": {\"cluster\": \"svc-a\", \"regex_rewrite\":"
                                        + " {\"pattern\": {\"regex\": \"^/.*$\"}, \"substitution\": \"/replaced\"}}"),
                                route("mirror", "\"path_separated_prefix\": \"/mirror\"", "\"route\": {\"cluster\": \"svc-a\", \"prefix_rewrite\": \"/rewritten\","
                                        + " \"request_mirror_policies\": [{\"cluster\": \"svc-m1\"}, {\"cluster\": \"svc-m2\", \"runtime_fraction\":"
                                        + " {\"default_value\": {\"numerator\": 30, \"denominator\": \"HUNDRED\"}}}]},"
                                        + " \"request_headers_to_add\": [" + hv("x-mod", "1", false) + "]"),
                                route("bigmirror", "\"path_separated_prefix\": \"/bigmirror\"", "\"route\": {\"cluster\": \"svc-503\","
                                        + " \"request_mirror_policies\": [{\"cluster\": \"svc-blackhole\"}]}"),
                                route("deadmirror", "\"path_separated_prefix\": \"/deadmirror\"", "\"route\": {\"cluster\": \"svc-a\","
                                        + " \"request_mirror_policies\": [{\"cluster\": \"svc-dead\"}]}"),
                                route("timeout", "\"path_separated_prefix\": \"/timeout\"", "\"route\": {\"cluster\": \"svc-a\", \"timeout\": \"0.3s\"}"),
                                route("pertry", "\"path_separated_prefix\": \"/pertry\"", "\"route\": {\"cluster\": \"svc-a\", \"timeout\": \"5s\","
                                        + " \"retry_policy\": {\"retry_on\": \"retriable-status-codes,reset\", \"num_retries\": 1,"
                                        + " \"retriable_status_codes\": [500], \"per_try_timeout\": \"0.2s\"}}"),
                                route("retry", "\"path_separated_prefix\": \"/retry\"", "\"route\": {\"cluster\": \"svc-503-then-a\","
                                        + " \"retry_policy\": {\"retry_on\": \"retriable-status-codes,connect-failure,reset\", \"num_retries\": 2,"
                                        + " \"retriable_status_codes\": [503], \"retry_back_off\": {\"base_interval\": \"0.005s\"}}}"),
                                route("retry-all", "\"prefix\": \"/status/\"", "\"route\": {\"cluster\": \"svc-a\","
                                        + " \"retry_policy\": {\"retry_on\": \"retriable-status-codes\", \"num_retries\": 2,"
                                        + " \"retriable_status_codes\": [503], \"retry_back_off\": {\"base_interval\": \"0.005s\"}}}"),
                                route("cors", "\"path_separated_prefix\": \"/cors\"", "\"route\": {\"cluster\": \"svc-a\"}, " + cors),
                                route("grpc", "\"prefix\": \"/trailers.Svc/\"", "\"route\": {\"cluster\": \"svc-h2\"}"),
                                route("grpc-known", "\"prefix\": \"/known.Svc/\"", "\"route\": {\"cluster\": \"svc-a\"}"))), CORS_HTTP_FILTER)),
                List.of(cluster("svc-a", a.port()), cluster("svc-m1", m1.port()), cluster("svc-m2", m2.port()),
                        cluster("svc-blackhole", blackhole.getLocalPort()), cluster("svc-503", always503.getAddress().getPort()),
                        cluster("svc-dead", ProxyFixture.deadPort()),
                        cluster("svc-503-then-a", always503.getAddress().getPort(), b.port()),
                        cluster("svc-h2", "ROUND_ROBIN", true, h2Port)));
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, json);
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~filters", 0, 2, boot, Map.of()));
        port = proxy.listenerPort("gw");
        client = ProxyFixture.http1();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (EchoServer e : new EchoServer[] {a, b, m1, m2}) {
            if (e != null) {
                e.close();
            }
        }
        if (always503 != null) {
            always503.stop(0);
        }
        if (blackhole != null) {
            blackhole.close();
        }
        for (java.net.Socket so : blackholeSockets) {
            so.close();
        }
        if (h2Upstream != null) {
            h2Upstream.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            rb.header(headers[i], headers[i + 1]);
        }
        return client.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void headerModifiersAtRouteAndBackendLevel() throws Exception {
        HttpResponse<String> r = send("GET", "/mods/x", null, "X-Set", "client", "x-add", "one", "X-REMOVE", "bye", "keep", "k",
                "X-Echo-Set-Header", "X-Echo-Add:first,X-Echo-Gone:g,X-Upstream:u");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = json(r.body()).get("headers");
        assertThat(h.get("x-set").toString()).isEqualTo("[\"set-value\"]");
        assertThat(h.get("x-add").toString()).isEqualTo("[\"one,two\"]");
        assertThat(h.has("x-remove")).isFalse();
        assertThat(h.get("keep").get(0).asText()).isEqualTo("k");
        assertThat(h.get("x-backend").get(0).asText()).isEqualTo("a");
        assertThat(r.headers().allValues("x-resp")).containsExactly("r");
        assertThat(r.headers().allValues("x-echo-add")).containsExactly("first,more");
        assertThat(r.headers().firstValue("x-echo-gone")).isEmpty();
        assertThat(r.headers().allValues("x-upstream")).containsExactly("u");
        assertThat(r.headers().allValues("x-resp-backend")).containsExactly("a");
    }

    @Test
    void redirectBuildsLocation() throws Exception {
        HttpResponse<String> r = send("GET", "/redirect/deep/page?q=1", null);
        assertThat(r.statusCode()).isEqualTo(308);
        assertThat(r.headers().firstValue("location")).hasValue("https://other.example:8443/moved/deep/page?q=1");
    }

    @Test
    void rewritesAreSegmentWiseAndKeepTheQuery() throws Exception {
        assertThat(path("/strip")).isEqualTo("/");
        assertThat(path("/strip/")).isEqualTo("/");
        assertThat(path("/strip/three?x=1")).isEqualTo("/three?x=1");
        assertThat(path("/prefix")).isEqualTo("/foo");
        assertThat(path("/prefix/")).isEqualTo("/foo/");
        assertThat(path("/prefix/a/b?z=2")).isEqualTo("/foo/a/b?z=2");
        assertThat(path("/full/any/thing?k=v")).isEqualTo("/replaced?k=v");
        HttpResponse<String> r = send("GET", "/prefix/h", null);
        assertThat(json(r.body()).get("host").asText()).isEqualTo("rewritten.example");
    }

    @Test
    void aBackendsOwnRewriteReplacesTheRoutes() throws Exception {
        assertThat(path("/backend/a?q=1")).isEqualTo("/own/a?q=1");
        HttpResponse<String> r = send("GET", "/backend", null);
        assertThat(json(r.body()).get("host").asText()).isEqualTo("backend.example");
        assertThat(json(r.body()).get("path").asText()).isEqualTo("/own");
    }

    private static String path(String p) throws Exception {
        HttpResponse<String> r = send("GET", p, null);
        assertThat(r.statusCode()).as(p).isEqualTo(200);
        return json(r.body()).get("path").asText();
    }

    @Test
    void mirrorsGetTheOriginalRequestAtTheirPercentages() throws Exception {
        int n = 600;
        int before1 = m1.requests().size();
        int before2 = m2.requests().size();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = send("POST", "/mirror/x?i=" + i, "body-" + i, "content-type", "text/plain");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode j = json(r.body());
            assertThat(j.get("name").asText()).isEqualTo("a");
            assertThat(j.get("path").asText()).isEqualTo("/rewritten/x?i=" + i);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (m1.requests().size() - before1 < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
        List<JsonNode> seen1 = m1.requests();
        assertThat(seen1.size() - before1).isEqualTo(n);
        JsonNode last = seen1.stream().filter(j -> j.get("path").asText().equals("/mirror/x?i=" + (n - 1))).findFirst()
                .orElseThrow(() -> new AssertionError("the mirror never saw /mirror/x?i=" + (n - 1)));
        assertThat(last.get("method").asText()).isEqualTo("POST");
        assertThat(last.get("headers").get("x-mod").get(0).asText()).isEqualTo("1");
        assertThat(last.get("headers").get("content-length").get(0).asText())
                .isEqualTo(String.valueOf(("body-" + (n - 1)).length()));
        int got2 = m2.requests().size() - before2;
        double mean = n * 0.3;
        double sd = Math.sqrt(n * 0.3 * 0.7);
        assertThat((double) got2).isBetween(mean - 3 * sd, mean + 3 * sd);
    }

    @Test
    void aMirrorThatCannotKeepUpNeverHoldsThePrimaryBack() throws Exception {
        byte[] big = new byte[16 << 20];
        new java.util.Random(7).nextBytes(big);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bigmirror/up"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                HttpResponse.BodyHandlers.ofString());
        // the primary (it reads the whole body, then answers 503) got all of it while the mirror does not read
        assertThat(r.statusCode()).isEqualTo(503);
    }

    @Test
    void anUnreachableMirrorIsDroppedAndCountedAndThePrimaryAnswers() throws Exception {
        long dropped = dev.lattice.proxy.router.MirrorDrops.dropped();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("POST", "/deadmirror/x", "body");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).get("path").asText()).isEqualTo("/deadmirror/x");
        }
        // the mirror's connect fails on its own time, possibly after the primary has answered
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (dev.lattice.proxy.router.MirrorDrops.dropped() - dropped < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(dev.lattice.proxy.router.MirrorDrops.dropped() - dropped).isEqualTo(5);
    }

    @Test
    void bodiesOverTheRetryLimitAreNotRetried() throws Exception {
        String body = "x".repeat(100 * 1024);
        int failed = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = send("POST", "/retry/big", body);
            assertThat(r.statusCode()).isIn(200, 503);
            if (r.statusCode() == 503) {
                failed++;
            }
        }
        assertThat(failed).isBetween(1, 9);
    }

    @Test
    void routeTimeoutAnswers504() throws Exception {
        HttpResponse<String> r = send("GET", "/timeout/x?delay=2s", null);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(send("GET", "/timeout/x?delay=10ms", null).statusCode()).isEqualTo(200);
    }

    @Test
    void perTryTimeoutAnswers504() throws Exception {
        HttpResponse<String> r = send("GET", "/pertry/x?delay=1500ms", null);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(send("GET", "/pertry/y?delay=10ms", null).statusCode()).isEqualTo(200);
        // retry_on has reset: an attempt cut by the per-try timeout is retried once, then 504
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long attempts = 0;
        while (System.nanoTime() < deadline) {
            attempts = a.requests().stream().filter(j -> j.get("path").asText().equals("/pertry/x?delay=1500ms")).count();
            if (attempts >= 2) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(attempts).isEqualTo(2);
    }

    @Test
    void retriesOnStatusGoToTheNextEndpoint() throws Exception {
        int before = hits503.get();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = send("POST", "/retry/x", "payload-" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).get("name").asText()).isEqualTo("b");
        }
        assertThat(hits503.get() - before).isBetween(5, 20);
        // the retried request carried its body
        JsonNode last = b.requests().get(b.requests().size() - 1);
        assertThat(last.get("headers").get("content-length").get(0).asText()).isEqualTo("10");
    }

    @Test
    void retriesAreBoundedByNumRetries() throws Exception {
        int before = a.requests().size();
        HttpResponse<String> r = send("GET", "/status/503", null);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(a.requests().size() - before).isEqualTo(3);
        before = a.requests().size();
        assertThat(send("GET", "/status/500", null).statusCode()).isEqualTo(500);
        assertThat(a.requests().size() - before).isEqualTo(1);
    }

    @Test
    void corsPreflightAndSimpleRequests() throws Exception {
        int before = a.requests().size();
        HttpResponse<String> pre = send("OPTIONS", "/cors/x", null, "Origin", "https://app.example",
                "Access-Control-Request-Method", "PUT");
        assertThat(pre.statusCode()).isEqualTo(200);
        assertThat(pre.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
        assertThat(pre.headers().firstValue("access-control-allow-methods")).hasValue("GET, PUT");
        assertThat(pre.headers().firstValue("access-control-max-age")).hasValue("100");
        assertThat(a.requests().size()).isEqualTo(before);
        HttpResponse<String> simple = send("GET", "/cors/x", null, "Origin", "https://app.example");
        assertThat(simple.statusCode()).isEqualTo(200);
        assertThat(simple.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
        assertThat(simple.headers().firstValue("access-control-expose-headers")).hasValue("x-exposed");
        HttpResponse<String> other = send("GET", "/cors/x", null, "Origin", "https://evil.example");
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void grpcWithoutARouteIsUnimplementedOverH2c() throws Exception {
        String out = curl("--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", "-X", "POST",
                "-H", "content-type: application/grpc", "--data-binary", "", "http://127.0.0.1:" + port + "/nope.Svc/Method");
        String lower = out.toLowerCase(java.util.Locale.ROOT);
        assertThat(lower).startsWith("http/2 200").contains("content-type: application/grpc").contains("grpc-status: 12");
    }

    @Test
    void trailersPassBothWaysBetweenH2cClientAndH2cUpstream() throws Exception {
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel conn = new Bootstrap().group(g).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(
                            new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel c) {
                                    c.close();
                                }
                            }));
                }
            }).connect("127.0.0.1", port).sync().channel();
            CompletableFuture<FullHttpResponse> result = new CompletableFuture<>();
            Http2StreamChannel s = new Http2StreamChannelBootstrap(conn).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(1 << 20),
                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                    result.complete(r.retainedDuplicate());
                                }
                            });
                }
            }).open().sync().getNow();
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/trailers.Svc/Call",
                    Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
            req.headers().set(HttpHeaderNames.HOST, "grpc.example").set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
            req.trailingHeaders().set("x-client-trailer", "ct");
            s.writeAndFlush(req).sync();
            FullHttpResponse r = result.get(10, TimeUnit.SECONDS);
            try {
                assertThat(r.status().code()).isEqualTo(200);
                assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo("hello");
                assertThat(r.trailingHeaders().get("grpc-status")).isEqualTo("0");
                assertThat(r.trailingHeaders().get("x-echoed-trailer")).isEqualTo("ct");
            } finally {
                r.release();
            }
            conn.close().sync();
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** An h2c server that answers each request with its body and trailers: grpc-status 0 and the request's trailer. */
    private static Channel trailerServer(EventLoopGroup group) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Http2MultiplexHandler(
                        new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel c) {
                                c.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpObjectAggregator(1 << 20),
                                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                                DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                                                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
                                                ctx.write(head);
                                                ctx.write(new DefaultHttpContent(req.content().retain()));
                                                LastHttpContent last = new DefaultLastHttpContent();
                                                last.trailingHeaders().set("grpc-status", "0");
                                                String t = req.trailingHeaders().get("x-client-trailer");
                                                last.trailingHeaders().set("x-echoed-trailer", t == null ? "none" : t);
                                                ctx.writeAndFlush(last);
                                            }
                                        });
                            }
                        }));
            }
        }).bind("127.0.0.1", 0).sync().channel();
    }
}
