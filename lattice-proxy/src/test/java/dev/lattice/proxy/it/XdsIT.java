package dev.lattice.proxy.it;

import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.toCluster;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.it.ProxyFixture.curl;
import static dev.lattice.proxy.it.ProxyFixture.get;
import static dev.lattice.proxy.it.ProxyFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.testkit.EchoServer;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy against a real ADS server (java-control-plane in-process): sync, ACK, NACK, hot reload under load. */
class XdsIT {
    EchoServer a;
    EchoServer b;
    TestControlPlane cp;
    ProxyServer proxy;

    @BeforeEach
    void start() throws Exception {
        a = EchoServer.start(0, "a", "default");
        b = EchoServer.start(0, "b", "default");
        cp = new TestControlPlane();
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        a.close();
        b.close();
    }

    private static String gw(String cluster) {
        return listener("gw", 0, true, vhost("all", List.of("*"), route("r", "\"prefix\": \"/\"", toCluster(cluster))));
    }

    private static void await(Check condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private JsonNode dump() throws Exception {
        return json(curl("http://127.0.0.1:" + proxy.adminPort() + "/config_dump"));
    }

    @Test
    void syncsAcksNacksAndKeepsTheLastGoodConfig() throws Exception {
        cp.set("v1", List.of(gw("svc-a")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        proxy = ProxyServer.start(new ProxyOptions(cp.address(), "gateway~default~xds-it", 0, 1, null, Map.of("zone", "test")));
        assertThat(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + proxy.adminPort() + "/ready"))
                .isIn("200", "503");
        await(proxy::ready, "ready");
        assertThat(curl("http://127.0.0.1:" + proxy.adminPort() + "/ready")).isEqualTo("ready\n");
        int port = proxy.listenerPort("gw");
        HttpClient client = ProxyFixture.http1();
        assertThat(json(get(client, port, "/x", null).body()).get("name").asText()).isEqualTo("a");
        JsonNode d = dump();
        assertThat(d.at("/xds/cds/ackedVersion").asText()).isEqualTo("v1");
        assertThat(d.at("/xds/lds/ackedVersion").asText()).isEqualTo("v1");
        assertThat(d.at("/xds/lds/lastNack").isNull()).isTrue();
        assertThat(d.get("source").asText()).isEqualTo("xds");

        // v2: the listener carries a filter outside the subset -> NACK, the last good listener keeps serving
        String tcp = """
                {"name": "gw", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
                 "filter_chains": [{"filters": [{"name": "envoy.filters.network.redis_proxy"}]}]}
                """;
        cp.set("v2", List.of(tcp), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        await(() -> "v2".equals(proxy.ldsStatus().nackedVersion()), "the NACK of v2");
        d = dump();
        assertThat(d.at("/xds/lds/ackedVersion").asText()).isEqualTo("v1");
        assertThat(d.at("/xds/lds/lastNack/version").asText()).isEqualTo("v2");
        assertThat(d.at("/xds/lds/lastNack/reason").asText())
                .isEqualTo("listener gw: filter_chains[0].filters[0]: unsupported filter envoy.filters.network.redis_proxy");
        assertThat(d.at("/xds/cds/ackedVersion").asText()).isEqualTo("v2");
        for (int i = 0; i < 20; i++) {
            var r = get(client, port, "/still", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).get("name").asText()).isEqualTo("a");
        }
        assertThat(curl("http://127.0.0.1:" + proxy.adminPort() + "/stats/prometheus"))
                .contains("lattice_proxy_xds_updates_total{result=\"rejected\",type=\"lds\"} 1.0");

        // v3: good again, now to svc-b, on the same socket
        cp.set("v3", List.of(gw("svc-b")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        await(() -> "v3".equals(proxy.ldsStatus().ackedVersion()), "the ACK of v3");
        assertThat(proxy.ldsStatus().nackReason()).isNull();
        assertThat(proxy.listenerPort("gw")).isEqualTo(port);
        assertThat(json(get(client, port, "/x", null).body()).get("name").asText()).isEqualTo("b");
    }

    @Test
    void hotReloadUnderSteadyLoadFailsNoRequest() throws Exception {
        cp.set("v0", List.of(gw("svc-a")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        proxy = ProxyServer.start(new ProxyOptions(cp.address(), "gateway~default~reload-it", 0, 2, null, Map.of()));
        await(proxy::ready, "ready");
        int port = proxy.listenerPort("gw");
        LoadLoop load = new LoadLoop(6, port, null);
        try {
            await(() -> load.ok.get() > 200, "load to start");
            for (int v = 1; v <= 30; v++) {
                String target = v % 2 == 0 ? "svc-a" : "svc-b";
                // alternate the route and, every third version, the cluster's endpoints too
                String clusterB = v % 3 == 0 ? cluster("svc-b", "LEAST_REQUEST", false, b.port(), a.port()) : cluster("svc-b", b.port());
                cp.set("v" + v, List.of(gw(target)), List.of(cluster("svc-a", a.port()), clusterB));
                String version = "v" + v;
                await(() -> version.equals(proxy.ldsStatus().ackedVersion()), "the ACK of " + version);
                Thread.sleep(50);
            }
            long before = load.ok.get();
            await(() -> load.ok.get() > before + 100, "load after the last update");
        } finally {
            load.close();
        }
        assertThat(proxy.listenerPort("gw")).isEqualTo(port);
        // all good
        assertThat(proxy.ldsStatus().nackReason()).isNull();
        assertThat(proxy.cdsStatus().nackReason()).isNull();
        assertThat(load.failures).isEmpty();
        assertThat(load.answeredBy).containsKeys("a", "b");
        assertThat(load.ok.get()).isGreaterThan(300);
    }

    @Test
    void listenersAreBoundAndUnboundAsLdsChangesAndInFlightRequestsKeepTheirConfig() throws Exception {
        cp.set("v1", List.of(gw("svc-a")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        proxy = ProxyServer.start(new ProxyOptions(cp.address(), "sidecar~default~lds-it", 0, 1, null, Map.of()));
        await(proxy::ready, "ready");
        int port = proxy.listenerPort("gw");
        HttpClient client = ProxyFixture.http1();
        // a slow request pinned to v1 (svc-a) while v2 moves the route to svc-b and adds a listener
        var slow = client.sendAsync(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/slow?delay=800ms")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        Thread.sleep(200);
        String second = listener("second", 0, false, vhost("all", List.of("*"), route("r", "\"prefix\": \"/\"", toCluster("svc-a"))));
        cp.set("v2", List.of(gw("svc-b"), second), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        await(() -> "v2".equals(proxy.ldsStatus().ackedVersion()), "the ACK of v2");
        var r = slow.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r.body()).get("name").asText()).isEqualTo("a");
        assertThat(json(get(client, port, "/now", null).body()).get("name").asText()).isEqualTo("b");
        int secondPort = proxy.listenerPort("second");
        assertThat(json(get(client, secondPort, "/x", null).body()).get("name").asText()).isEqualTo("a");
        // v3 removes the second listener: its port is closed
        cp.set("v3", List.of(gw("svc-b")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        await(() -> "v3".equals(proxy.ldsStatus().ackedVersion()), "the ACK of v3");
        assertThat(proxy.listenerPorts()).containsOnlyKeys("gw");
        try (java.net.Socket s = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", secondPort), 2000))
                    .isInstanceOf(java.net.ConnectException.class);
        }
        assertThat(proxy.listenerPort("gw")).isEqualTo(port);
    }

    @Test
    void keepsServingWhileTheControlPlaneIsGoneAndResyncsWhenItReturns() throws Exception {
        cp.set("v1", List.of(gw("svc-a")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        int cpPort = cp.server.getPort();
        proxy = ProxyServer.start(new ProxyOptions(cp.address(), "gateway~default~reconnect-it", 0, 1, null, Map.of()));
        await(proxy::ready, "ready");
        int port = proxy.listenerPort("gw");
        HttpClient client = ProxyFixture.http1();
        cp.close();
        await(() -> !json(curlUnchecked("http://127.0.0.1:" + proxy.adminPort() + "/config_dump")).at("/xds/connected").asBoolean(),
                "the stream to end");
        for (int i = 0; i < 10; i++) {
            assertThat(json(get(client, port, "/offline", null).body()).get("name").asText()).isEqualTo("a");
        }
        // the control plane comes back on the same port with a new version
        cp = new TestControlPlane(cpPort);
        cp.set("v2", List.of(gw("svc-b")), List.of(cluster("svc-a", a.port()), cluster("svc-b", b.port())));
        await(() -> "v2".equals(proxy.ldsStatus().ackedVersion()), "the ACK of v2 after reconnecting");
        assertThat(json(get(client, port, "/back", null).body()).get("name").asText()).isEqualTo("b");
        assertThat(proxy.listenerPort("gw")).isEqualTo(port);
    }

    private static String curlUnchecked(String url) {
        try {
            return curl(url);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aListenerThatCannotBindIsNackedAndTheOthersServe() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String busy = listener("busy", taken.getLocalPort(), false,
                    vhost("all", List.of("*"), route("r", "\"prefix\": \"/\"", toCluster("svc-a"))));
            cp.set("v1", List.of(gw("svc-a"), busy), List.of(cluster("svc-a", a.port())));
            proxy = ProxyServer.start(new ProxyOptions(cp.address(), "gateway~default~bind-it", 0, 1, null, Map.of()));
            await(() -> "v1".equals(proxy.ldsStatus().nackedVersion()), "the NACK of v1");
            assertThat(proxy.ldsStatus().nackReason()).startsWith("listener busy: address 127.0.0.1:" + taken.getLocalPort()
                    + ": cannot bind");
            assertThat(proxy.listenerPorts()).containsOnlyKeys("gw");
            assertThat(get(ProxyFixture.http1(), proxy.listenerPort("gw"), "/x", null).statusCode()).isEqualTo(200);
        }
    }
}
