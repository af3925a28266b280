package dev.lattice.proxy.it;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.toCluster;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.proxy.xds.BootstrapLoader;
import dev.lattice.testkit.EchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session persistence end to end on real sockets: three echo endpoints behind one cluster; a cookie or header session
 * sticks to its endpoint, beats the weights, and falls back (with a new session) when its endpoint is gone, unknown
 * or expired.
 */
class SessionPersistenceIT {
    @TempDir
    static Path dir;
    static final EchoServer[] echoes = new EchoServer[4];
    static ProxyServer proxy;
    static int port;
    static HttpClient client;
    static final Map<Integer, String> nameByPort = new HashMap<>();

    static String session(String state) {
        return "\"typed_per_filter_config\": {\"envoy.filters.http.stateful_session\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute\", "
                + "\"stateful_session\": {\"session_state\": {\"name\": \"s\", \"typed_config\": {" + state + "}}}}}";
    }

    static String cookie(String name, String path, String ttl) {
        return session("\"@type\": \"type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState\","
                + " \"cookie\": {\"name\": \"" + name + "\", \"path\": \"" + path + "\"" + (ttl == null ? "" : ", \"ttl\": \"" + ttl + "\"")
                + "}");
    }

    static String config(boolean withThird) {
        int[] svc = withThird ? new int[] {echoes[0].port(), echoes[1].port(), echoes[2].port()}
                : new int[] {echoes[0].port(), echoes[1].port()};
        return bootstrap(List.of(listener("gw", port, false, vhost("all", List.of("*"),
                        route("cookie", "\"path_separated_prefix\": \"/c\"", toCluster("svc") + ", " + cookie("sticky", "/c", "3600s")),
                        route("session", "\"path_separated_prefix\": \"/s\"", toCluster("svc") + ", " + cookie("plain", "/s", null)
                                + ", \"metadata\": {\"filter_metadata\": {\"lattice\": {\"session_lifetime_seconds\": 60}}}"),
                        route("header", "\"path_separated_prefix\": \"/h\"", toCluster("svc") + ", " + session(
                                "\"@type\": \"type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState\","
                                        + " \"name\": \"x-session\"")),
                        route("weighted", "\"path_separated_prefix\": \"/w\"", "\"route\": {\"weighted_clusters\": {\"clusters\": ["
                                + "{\"name\": \"svc\", \"weight\": 99}, {\"name\": \"other\", \"weight\": 1}]}, \"timeout\": \"0s\"}, "
                                + cookie("w", "/w", null)),
                        route("none", "\"prefix\": \"/\"", toCluster("svc"))))),
                List.of(cluster("svc", svc), cluster("other", echoes[3].port())));
    }

    @BeforeAll
    static void start() throws Exception {
        for (int i = 0; i < echoes.length; i++) {
            echoes[i] = EchoServer.start(0, "e" + i, "default");
            nameByPort.put(echoes[i].port(), "e" + i);
        }
        port = dev.lattice.testkit.FreePorts.next();
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, config(true));
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~sticky", 0, 2, boot, Map.of()));
        client = ProxyFixture.http1();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        for (EchoServer e : echoes) {
            if (e != null) {
                e.close();
            }
        }
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r;
    }

    private static String backend(HttpResponse<String> r) throws Exception {
        return ProxyFixture.json(r.body()).get("name").asText();
    }

    /** The echo's name for the endpoint a session value names. */
    private static String named(String value) {
        String plain = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        String key = plain.contains(";") ? plain.substring(0, plain.indexOf(';')) : plain;
        return nameByPort.get(Integer.parseInt(key.substring(key.lastIndexOf(':') + 1)));
    }

    private static String cookieValue(HttpResponse<String> r, String name) {
        String sc = r.headers().firstValue("set-cookie").orElse(null);
        assertThat(sc).as("Set-Cookie").isNotNull().startsWith(name + "=");
        return sc.substring(name.length() + 1, sc.indexOf(';'));
    }

    @Test
    void aCookieSessionSticksToItsEndpoint() throws Exception {
        HttpResponse<String> first = get("/c/cart");
        String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).matches("sticky=[A-Za-z0-9+/=]+; Path=/c; Max-Age=3600; HttpOnly");
        String value = cookieValue(first, "sticky");
        String pinned = backend(first);
        assertThat(named(value)).isEqualTo(pinned);
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = get("/c/cart", "Cookie", "other=1; sticky=" + value);
            assertThat(backend(r)).isEqualTo(pinned);
            assertThat(r.headers().firstValue("set-cookie")).as("an honoured session is not re-issued").isEmpty();
        }
    }

    @Test
    void withoutASessionRequestsSpreadAndEachGetsACookie() throws Exception {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = get("/c/x");
            seen.add(backend(r));
            assertThat(named(cookieValue(r, "sticky"))).isEqualTo(backend(r));
        }
        assertThat(seen).containsExactly("e0", "e1", "e2");
    }

    @Test
    void anUnknownOrExpiredValueFallsBackToTheBalancerAndGetsANewSession() throws Exception {
        String elsewhere = Base64.getEncoder().encodeToString("10.9.9.9:80".getBytes(StandardCharsets.UTF_8));
        for (String bad : List.of(elsewhere, "garbage!", "")) {
            HttpResponse<String> r = get("/c/x", "Cookie", "sticky=" + bad);
            assertThat(named(cookieValue(r, "sticky"))).isEqualTo(backend(r));
        }
        String key = "127.0.0.1:" + echoes[1].port();
        String expired = Base64.getEncoder().encodeToString((key + ";" + (System.currentTimeMillis() / 1000 - 1))
                .getBytes(StandardCharsets.UTF_8));
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = get("/s/x", "Cookie", "plain=" + expired);
            seen.add(backend(r));
            String fresh = cookieValue(r, "plain");
            String plain = new String(Base64.getDecoder().decode(fresh), StandardCharsets.UTF_8);
            long expiry = Long.parseLong(plain.substring(plain.indexOf(';') + 1));
            assertThat(expiry - System.currentTimeMillis() / 1000).isBetween(55L, 61L);
            assertThat(r.headers().firstValue("set-cookie").orElseThrow()).doesNotContain("Max-Age").endsWith("; Path=/s; HttpOnly");
        }
        assertThat(seen).as("an expired session is not honoured").hasSizeGreaterThan(1);
    }

    @Test
    void aHeaderSessionSticksLikewise() throws Exception {
        HttpResponse<String> first = get("/h/x");
        String value = first.headers().firstValue("x-session").orElseThrow();
        assertThat(first.headers().firstValue("set-cookie")).isEmpty();
        String pinned = backend(first);
        assertThat(named(value)).isEqualTo(pinned);
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = get("/h/x", "X-Session", value);
            assertThat(backend(r)).isEqualTo(pinned);
        }
    }

    @Test
    void aSessionBeatsTheWeights() throws Exception {
        String toOther = Base64.getEncoder().encodeToString(("127.0.0.1:" + echoes[3].port()).getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = get("/w/x", "Cookie", "w=" + toOther);
            assertThat(backend(r)).isEqualTo("e3");
        }
    }

    @Test
    void routesWithoutSessionPersistenceSetNothing() throws Exception {
        assertThat(get("/plain").headers().firstValue("set-cookie")).isEmpty();
    }

    @Test
    void whenItsEndpointIsRemovedTheSessionFallsBackAndANewCookieIsIssued() throws Exception {
        String value = Base64.getEncoder().encodeToString(("127.0.0.1:" + echoes[2].port()).getBytes(StandardCharsets.UTF_8));
        assertThat(backend(get("/c/x", "Cookie", "sticky=" + value))).isEqualTo("e2");
        try {
            assertThat(proxy.apply(BootstrapLoader.parse(config(false), "without e2"))).isEmpty();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = get("/c/x", "Cookie", "sticky=" + value);
                assertThat(backend(r)).isIn("e0", "e1");
                assertThat(named(cookieValue(r, "sticky"))).isEqualTo(backend(r));
            }
        } finally {
            assertThat(proxy.apply(BootstrapLoader.parse(config(true), "with e2"))).isEmpty();
        }
    }
}
