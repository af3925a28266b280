package dev.lattice.proxy.http;

import static dev.lattice.proxy.TestConfigs.CORS_HTTP_FILTER;
import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.TestConfigs.withHttpFilters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Redirects, CORS preflights and gRPC UNIMPLEMENTED: answered by the proxy itself, on an EmbeddedChannel. */
class FilterHandlerTest {
    private final ProxyMetrics metrics = new ProxyMetrics();

    private EmbeddedChannel channel() {
        return channel(CORS_HTTP_FILTER);
    }

    /** The test listener with {@code httpFilters} (JSON entries, in order) before its router. */
    private EmbeddedChannel channel(String... httpFilters) {
        String cors = "\"typed_per_filter_config\": {\"envoy.filters.http.cors\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\", \"allow_origin_string_match\": "
                + "[{\"exact\": \"https://app.example\"}, {\"prefix\": \"https://dev.\"}], \"allow_methods\": \"GET, POST\", "
                + "\"allow_headers\": \"x-a, x-b\", \"expose_headers\": \"x-e\", \"max_age\": \"600\", \"allow_credentials\": true}}";
        String json = bootstrap(List.of(withHttpFilters(listener("gw", 0, false,
                vhost("all", List.of("*"),
                        route("r301", "\"path_separated_prefix\": \"/old\"", "\"redirect\": {\"scheme_redirect\": \"https\", "
                                + "\"host_redirect\": \"new.example\", \"port_redirect\": 443, \"prefix_rewrite\": \"/new\", "
                                + "\"response_code\": \"MOVED_PERMANENTLY\"}"),
                        route("r302", "\"prefix\": \"/elsewhere\"", "\"redirect\": {\"port_redirect\": 8080, "
                                + "\"path_redirect\": \"/there\", \"response_code\": \"FOUND\"}"),
                        route("cors", "\"prefix\": \"/cors\"", "\"route\": {\"cluster\": \"c\", \"timeout\": \"0s\"}, " + cors),
                        route("only", "\"path\": \"/only\"", "\"direct_response\": {\"status\": 200}"))), httpFilters)),
                List.of(cluster("c")));
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(json, "test"), null, metrics);
        ListenerSlot slot = new ListenerSlot("127.0.0.1:0#gw", rc.listener("127.0.0.1:0#gw"), NioSocketChannel.class,
                metrics.downstreamActive("gw"));
        TelemetryHandler telemetry = new TelemetryHandler();
        return new EmbeddedChannel(new HttpServerCodec(ProtocolDetectHandler.SERVER_DECODER), telemetry,
                new DownstreamHandler(slot, false, telemetry));
    }

    private static String exchange(EmbeddedChannel ch, String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString().toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void redirectsBuildLocation() {
        EmbeddedChannel ch = channel();
        String r = exchange(ch, "GET /old/page?x=1 HTTP/1.1\r\nHost: gw.example:8080\r\n\r\n");
        assertThat(r).startsWith("http/1.1 301 ").contains("location: https://new.example/new/page?x=1\r\n")
                .contains("content-length: 0\r\n");
        r = exchange(ch, "GET /old HTTP/1.1\r\nHost: gw.example\r\n\r\n");
        assertThat(r).contains("location: https://new.example/new\r\n");
        r = exchange(ch, "GET /elsewhere/a?q HTTP/1.1\r\nHost: gw.example:9999\r\n\r\n");
        assertThat(r).startsWith("http/1.1 302 ").contains("location: http://gw.example:8080/there?q\r\n");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void corsPreflightIsAnsweredByTheProxy() {
        EmbeddedChannel ch = channel();
        String r = exchange(ch, "OPTIONS /cors/x HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: POST\r\n\r\n");
        assertThat(r).startsWith("http/1.1 200 ")
                .contains("access-control-allow-origin: https://app.example\r\n")
                .contains("access-control-allow-methods: get, post\r\n")
                .contains("access-control-allow-headers: x-a, x-b\r\n")
                .contains("access-control-max-age: 600\r\n")
                .contains("access-control-expose-headers: x-e\r\n")
                .contains("access-control-allow-credentials: true\r\n");
        r = exchange(ch, "OPTIONS /cors/x HTTP/1.1\r\nHost: a\r\nOrigin: https://dev.other\r\n"
                + "Access-Control-Request-Method: GET\r\n\r\n");
        assertThat(r).contains("access-control-allow-origin: https://dev.other\r\n");
        ch.finishAndReleaseAll();
    }

    private static final String DENY_ALL = "{\"name\": \"lattice.authz.allow\", \"typed_config\": {"
            + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\","
            + " \"rules\": {\"action\": \"ALLOW\", \"policies\": {}}}}";

    @Test
    void corsRunsWhereHttpFiltersPutItAndOnlyThere() {
        String preflight = "OPTIONS /cors/x HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: POST\r\n\r\n";
        // CORS before authorization (the control plane's order): a preflight is answered, the request itself denied
        EmbeddedChannel ch = channel(CORS_HTTP_FILTER, DENY_ALL);
        assertThat(exchange(ch, preflight)).startsWith("http/1.1 200 ").contains("access-control-allow-origin: https://app.example\r\n");
        assertThat(exchange(ch, "GET /cors/x HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example\r\n\r\n")).startsWith("http/1.1 403 ");
        ch.finishAndReleaseAll();
        // after it: authorization decides first
        ch = channel(DENY_ALL, CORS_HTTP_FILTER);
        assertThat(exchange(ch, preflight)).startsWith("http/1.1 403 ");
        ch.finishAndReleaseAll();
        // a route's CorsPolicy on a listener without the CORS filter does nothing, as in Envoy
        ch = channel(new String[0]);
        assertThat(exchange(ch, preflight)).doesNotContain("access-control-allow-origin");
        ch.finishAndReleaseAll();
    }

    @Test
    void grpcWithoutARouteIsUnimplemented() {
        EmbeddedChannel ch = channel();
        String r = exchange(ch, "POST /pkg.Svc/Method HTTP/1.1\r\nHost: a\r\ncontent-type: application/grpc+proto\r\n"
                + "content-length: 0\r\n\r\n");
        assertThat(r).startsWith("http/1.1 200 ").contains("content-type: application/grpc\r\n")
                .contains("grpc-status: 12\r\n").contains("grpc-message: ").contains("content-length: 0\r\n");
        r = exchange(ch, "POST /pkg.Svc/Method HTTP/1.1\r\nHost: a\r\ncontent-type: application/json\r\n"
                + "content-length: 0\r\n\r\n");
        assertThat(r).startsWith("http/1.1 404 ");
        ch.finishAndReleaseAll();
    }
}
