package dev.lattice.proxy.it;

import static dev.lattice.proxy.TlsTestConfigs.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Any;
import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.xds.XdsResources;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain TCP listener (a TCPRoute's: one default tcp_proxy chain, no tls_inspector) with real sockets: a backend
 * that speaks first is reached without the client sending a byte, weighted clusters split connections, a client's
 * half-close reaches the backend while its answer still comes back, and a large echo goes through with its bytes
 * intact (both directions relayed with backpressure).
 */
class TcpProxyListenerIT {
    @TempDir
    static Path dir;
    static ServerSocket banner;
    static ServerSocket left;
    static ServerSocket right;
    static ServerSocket count;
    static ServerSocket echo;
    static ServerSocket big;
    static ProxyServer proxy;
    static final int BIG = 16 * 1024 * 1024;

    @BeforeAll
    static void start() throws Exception {
        banner = serve("banner", s -> write(s, "hello from banner\n"));
        left = serve("left", s -> write(s, "left"));
        right = serve("right", s -> write(s, "right"));
        count = serve("count", s -> {
            long n = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            write(s, "got " + n + " bytes");
        });
        echo = serve("echo", s -> {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        });
        big = serve("big", s -> {
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < BIG; sent += chunk.length) s.getOutputStream().write(chunk);
            s.shutdownOutput();
        });
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, "{\"listeners\": [], \"clusters\": []}");
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~tcp", 0, 1, boot, Map.of()));
        List<ListenerConfig> listeners = List.of(
                XdsResources.parseListener(listener("banner", 0, List.of(tcp("banner", Map.of("banner", 1))))),
                XdsResources.parseListener(listener("split", 0, List.of(tcp("split", Map.of("left", 70, "right", 30))))),
                XdsResources.parseListener(listener("count", 0, List.of(tcp("count", Map.of("count", 1))))),
                XdsResources.parseListener(listener("echo", 0, List.of(tcp("echo", Map.of("echo", 1))))),
                XdsResources.parseListener(listener("big", 0, List.of(tcp("big", Map.of("big", 1))))),
                XdsResources.parseListener(listener("pair", 0, List.of(tcp("pair", Map.of("pair", 1))))));
        assertThat(listeners.get(0).tlsInspector()).isFalse();
        assertThat(proxy.apply(ProxyConfig.of(listeners, List.of(
                TlsListenerIT.cluster("banner", banner.getLocalPort()),
                TlsListenerIT.cluster("left", left.getLocalPort()),
                TlsListenerIT.cluster("right", right.getLocalPort()),
                TlsListenerIT.cluster("count", count.getLocalPort()),
                TlsListenerIT.cluster("echo", echo.getLocalPort()),
                TlsListenerIT.cluster("big", big.getLocalPort()),
                twoEndpoints("pair", left.getLocalPort(), right.getLocalPort()))))).isEmpty();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (ServerSocket s : new ServerSocket[] {banner, left, right, count, echo, big}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** A tcp_proxy chain without server_names: one cluster, or weighted clusters. */
    static FilterChain tcp(String name, Map<String, Integer> weights) {
        TcpProxy.Builder t = TcpProxy.newBuilder().setStatPrefix(name);
        if (weights.size() == 1) {
            t.setCluster(weights.keySet().iterator().next());
        } else {
            TcpProxy.WeightedCluster.Builder w = TcpProxy.WeightedCluster.newBuilder();
            weights.forEach((c, n) -> w.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(c).setWeight(n)));
            t.setWeightedClusters(w);
        }
        return FilterChain.newBuilder().setName(name)
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(t.build())))
                .build();
    }

    interface Conn {
        void handle(Socket s) throws IOException;
    }

    static ServerSocket serve(String name, Conn handler) throws IOException {
        ServerSocket ss = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("tcp-backend-" + name).start(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            handler.handle(s);
                        } catch (IOException ignored) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return ss;
    }

    static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    static Socket connect(String listener) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.listenerPort(listener)), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    static String readAll(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void aBackendThatSpeaksFirstIsReachedWithoutClientBytes() throws Exception {
        try (Socket s = connect("banner")) {
            // no byte is sent: a listener without tls_inspector must not wait for a ClientHello
            assertThat(readAll(s)).isEqualTo("hello from banner\n");
        }
    }

    /** A cluster of two endpoints, round robin. */
    static dev.lattice.proxy.config.ClusterConfig twoEndpoints(String name, int a, int b) throws Exception {
        var la = io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder();
        for (int port : new int[] {a, b}) {
            la.addLbEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                    .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                            .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                                    .setSocketAddress(io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder()
                                            .setAddress("127.0.0.1").setPortValue(port)))));
        }
        return XdsResources.parseCluster(io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName(name)
                .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder()
                        .setClusterName(name).addEndpoints(la))
                .build());
    }

    /**
     * The relay's endpoint is the event loop's balancer's pick (the proxy runs one loop here): round robin alternates
     * the two endpoints exactly, where a random pick would not.
     */
    @Test
    void aRelayPicksItsEndpointWithTheBalancer() throws Exception {
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            try (Socket s = connect("pair")) {
                seen.add(readAll(s));
            }
        }
        assertThat(seen).containsOnly("left", "right");
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("connection %d of %s", i, seen).isNotEqualTo(seen.get(i - 1));
        }
    }

    @Test
    void weightedClustersSplitConnections() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        int n = 1000;
        for (int i = 0; i < n; i++) {
            try (Socket s = connect("split")) {
                seen.merge(readAll(s), 1, Integer::sum);
            }
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrder("left", "right");
        assertThat(seen.get("left") / (double) n).isCloseTo(0.7, within(0.05));
        assertThat(seen.get("right") / (double) n).isCloseTo(0.3, within(0.05));
    }

    /** Repeated: the client's data and FIN often arrive before the upstream connection is up. */
    @RepeatedTest(100)
    void aClientHalfCloseReachesTheBackendAndItsAnswerComesBack() throws Exception {
        try (Socket s = connect("count")) {
            byte[] data = new byte[123_457];
            s.getOutputStream().write(data);
            s.shutdownOutput();
            assertThat(readAll(s)).isEqualTo("got 123457 bytes");
        }
    }

    /**
     * The client half-closes at once, then reads a large answer slowly: the proxy's downstream channel has no input
     * left to watch when it must wait to write (Netty 4.2's epoll once dropped such a channel's fd and lost the rest).
     */
    @RepeatedTest(10)
    void aLargeAnswerAfterTheClientsHalfCloseArrivesWhole() throws Exception {
        try (Socket s = connect("big")) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write('x');
            s.shutdownOutput();
            Thread.sleep(300); // let every buffer on the way fill up
            long total = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            assertThat(total).isEqualTo(BIG);
        }
    }

    @RepeatedTest(4)
    void aLargeEchoGoesThroughIntact() throws Exception {
        int size = 48 * 1024 * 1024;
        byte[] chunk = new byte[64 * 1024];
        new Random(7).nextBytes(chunk);
        try (Socket s = connect("echo")) {
            s.setSoTimeout(30_000);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int written = 0; written < size; written += chunk.length) {
                        out.write(chunk);
                        sent.update(chunk);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            long total = 0;
            byte[] buf = new byte[64 * 1024];
            InputStream in = s.getInputStream();
            // read slowly at first: the relay has to hold the writer back instead of buffering everything
            Thread.sleep(500);
            while (total < size) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, size - total));
                assertThat(r).as("echo ended after %d bytes", total).isPositive();
                got.update(buf, 0, r);
                total += r;
            }
            writer.get(30, TimeUnit.SECONDS);
            assertThat(got.digest()).isEqualTo(sent.digest());
            // then the client's FIN reaches the echo, whose FIN comes back
            s.shutdownOutput();
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
