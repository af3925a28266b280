package dev.lattice.proxy.http;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.SessionPolicy;
import dev.lattice.proxy.filter.session.SessionFilter;
import dev.lattice.proxy.filter.session.SessionPersistence;
import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.router.CompiledRoute;
import dev.lattice.proxy.xds.BootstrapLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Session values, cookies and the choice of target and endpoint; backendRef-level redirects on an EmbeddedChannel. */
class SessionPersistenceTest {
    private static final long NOW = 1_800_000_000L;

    @Test
    void valuesAreEnvoysBase64OfIpAndPortWithAnOptionalExpiry() {
        assertThat(SessionPersistence.encode("10.0.0.1:8080", 0))
                .isEqualTo(Base64.getEncoder().encodeToString("10.0.0.1:8080".getBytes(StandardCharsets.UTF_8)));
        assertThat(SessionPersistence.decode(SessionPersistence.encode("10.0.0.1:8080", 0), NOW)).isEqualTo("10.0.0.1:8080");
        assertThat(SessionPersistence.decode("\"" + SessionPersistence.encode("10.0.0.1:8080", 0) + "\"", NOW))
                .isEqualTo("10.0.0.1:8080");
        assertThat(SessionPersistence.decode(SessionPersistence.encode("10.0.0.1:8080", NOW + 1), NOW)).isEqualTo("10.0.0.1:8080");
        assertThat(SessionPersistence.decode(SessionPersistence.encode("10.0.0.1:8080", NOW), NOW)).as("expired").isNull();
        assertThat(SessionPersistence.decode("not base64!", NOW)).isNull();
        assertThat(SessionPersistence.decode(Base64.getEncoder().encodeToString("1.2.3.4:5;soon".getBytes()), NOW)).isNull();
        assertThat(SessionPersistence.key(new InetSocketAddress("::1", 80))).isEqualTo("[0:0:0:0:0:0:0:1]:80");
    }

    @Test
    void cookieValueIsFoundAmongSeveralCookiesAndHeaders() {
        assertThat(SessionPersistence.cookieValue(List.of("a=1; sticky=abc==; b=2"), "sticky")).isEqualTo("abc==");
        assertThat(SessionPersistence.cookieValue(List.of("a=1", "sticky=x"), "sticky")).isEqualTo("x");
        assertThat(SessionPersistence.cookieValue(List.of("notsticky=1; sticky2=2"), "sticky")).isNull();
        assertThat(SessionPersistence.cookieValue(List.of(), "sticky")).isNull();
    }

    @Test
    void setCookieCarriesPathMaxAgeAndSecureOnTls() {
        SessionPersistence s = new SessionPersistence(new SessionPolicy(SessionPolicy.Kind.COOKIE, "sticky", "/cart",
                Duration.ofHours(1), Duration.ofHours(1)));
        HttpHeaders h = new DefaultHttpHeaders();
        s.respond(h, new InetSocketAddress("127.0.0.1", 9000), NOW, true);
        String value = SessionPersistence.encode("127.0.0.1:9000", NOW + 3600);
        assertThat(h.getAll("set-cookie")).containsExactly("sticky=" + value + "; Path=/cart; Max-Age=3600; HttpOnly; Secure");
        HttpHeaders req = new DefaultHttpHeaders().add("cookie", "x=y; sticky=" + value);
        assertThat(s.requestedEndpoint(req, NOW)).isEqualTo("127.0.0.1:9000");
        assertThat(s.requestedEndpoint(req, NOW + 3600)).isNull();

        SessionPersistence session = new SessionPersistence(new SessionPolicy(SessionPolicy.Kind.COOKIE, "s", null,
                Duration.ZERO, Duration.ZERO));
        HttpHeaders h2 = new DefaultHttpHeaders();
        session.respond(h2, new InetSocketAddress("127.0.0.1", 9000), NOW, false);
        assertThat(h2.get("set-cookie")).isEqualTo("s=" + SessionPersistence.encode("127.0.0.1:9000", 0) + "; HttpOnly");
    }

    @Test
    void headerSessionIsReadAndWrittenAsTheHeader() {
        SessionPersistence s = new SessionPersistence(new SessionPolicy(SessionPolicy.Kind.HEADER, "x-session", null,
                Duration.ZERO, Duration.ZERO));
        HttpHeaders h = new DefaultHttpHeaders();
        s.respond(h, new InetSocketAddress("127.0.0.1", 9001), NOW, false);
        assertThat(h.get("x-session")).isEqualTo(SessionPersistence.encode("127.0.0.1:9001", 0));
        assertThat(s.requestedEndpoint(new DefaultHttpHeaders().add("X-Session", h.get("x-session")), NOW)).isEqualTo("127.0.0.1:9001");
    }

    private static String sessionRoute(String name, String prefix, String clusters) {
        return route(name, "\"prefix\": \"" + prefix + "\"", "\"route\": {\"weighted_clusters\": {\"clusters\": [" + clusters
                + "]}, \"timeout\": \"0s\"}, \"typed_per_filter_config\": {\"envoy.filters.http.stateful_session\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute\", "
                + "\"stateful_session\": {\"session_state\": {\"name\": \"envoy.http.stateful_session.cookie\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState\", "
                + "\"cookie\": {\"name\": \"s\", \"path\": \"" + prefix + "\"}}}}}}");
    }

    @Test
    void aSessionChoosesItsTargetAndEndpointBeforeTheWeights() {
        String json = bootstrap(List.of(listener("gw", 0, false, vhost("all", List.of("*"),
                        sessionRoute("s", "/s", "{\"name\": \"a\", \"weight\": 99}, {\"name\": \"zero\", \"weight\": 0},"
                                + " {\"name\": \"b\", \"weight\": 1}, {\"name\": \"undefined\", \"weight\": 1}")))),
                List.of(cluster("a", 7001, 7002), cluster("b", 7003, 7004), cluster("zero", 7005)));
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(json, "test"), null, new ProxyMetrics());
        CompiledRoute r = rc.listener("127.0.0.1:0#gw").selectVhost("x").routes()[0];
        SessionFilter session = (SessionFilter) java.util.Arrays.stream(r.filters).filter(f -> f instanceof SessionFilter)
                .findFirst().orElseThrow();
        assertThat(session.target("127.0.0.1:7004")).containsExactly(2, 1);
        assertThat(session.target("127.0.0.1:7001")).containsExactly(0, 0);
        assertThat(session.target("127.0.0.1:7005")).as("a weight-0 backend is never chosen").isNull();
        assertThat(session.target("10.1.1.1:7001")).isNull();
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
    void aBackendRedirectAnswersWhenItsBackendIsPicked() {
        String redirect = "\"typed_per_filter_config\": {\"lattice.backend_redirect\": {\"@type\": "
                + "\"type.googleapis.com/envoy.config.route.v3.FilterConfig\", \"is_optional\": true, \"config\": {\"@type\": "
                + "\"type.googleapis.com/envoy.config.route.v3.RedirectAction\", \"prefix_rewrite\": \"/redirected\", "
                + "\"port_redirect\": 8080, \"response_code\": \"FOUND\"}}}";
        String json = bootstrap(List.of(listener("gw", 0, false, vhost("all", List.of("*"),
                        route("r", "\"path_separated_prefix\": \"/prefix\"", "\"route\": {\"weighted_clusters\": {\"clusters\": ["
                                + "{\"name\": \"c\", \"weight\": 1, " + redirect + "}]}, \"timeout\": \"0s\"}")))),
                List.of(cluster("c", 7001)));
        ProxyMetrics metrics = new ProxyMetrics();
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(json, "test"), null, metrics);
        ListenerSlot slot = new ListenerSlot("127.0.0.1:0#gw", rc.listener("127.0.0.1:0#gw"), NioSocketChannel.class,
                metrics.downstreamActive("gw"));
        TelemetryHandler telemetry = new TelemetryHandler();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(ProtocolDetectHandler.SERVER_DECODER), telemetry,
                new DownstreamHandler(slot, false, telemetry));
        String r = exchange(ch, "GET /prefix/original?q=1 HTTP/1.1\r\nHost: gw.example:8080\r\n\r\n");
        assertThat(r).startsWith("http/1.1 302 ").contains("location: http://gw.example:8080/redirected/original?q=1\r\n")
                .doesNotContain("set-cookie");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
