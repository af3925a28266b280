package dev.lattice.proxy;

import static dev.lattice.proxy.TlsTestConfigs.httpChain;
import static dev.lattice.proxy.TlsTestConfigs.listener;
import static dev.lattice.proxy.TlsTestConfigs.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.UpstreamTlsConfig;
import dev.lattice.proxy.tls.TestCerts;
import dev.lattice.proxy.xds.XdsRejection;
import dev.lattice.proxy.xds.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusters with an UpstreamTlsContext against a real TLS backend (JDK SSLServerSocket, keep-alive HTTP/1.1): the
 * SNI it sees, the trust anchors, the subject alternative name check, pooled TLS connections, and the xDS parsing.
 */
class UpstreamTlsTest {
    static final TestCerts.Cert BACKEND = TestCerts.selfSigned("abc.example.com", "RSA", "abc.example.com");
    static final TestCerts.Cert WILD_BACKEND = TestCerts.selfSigned("wild", "EC", "*.wild.example.com");
    static final TestCerts.Cert OTHER = TestCerts.selfSigned("other.example.com", "EC", "other.example.com");

    @TempDir
    static Path dir;
    static TlsBackend backend;
    static TlsBackend wildBackend;
    /** Only the "pooled" cluster reaches it, so its connection count is that test's alone. */
    static TlsBackend poolBackend;
    static ProxyServer proxy;
    static io.netty.channel.EventLoopGroup h2Group;
    static io.netty.channel.Channel h2Server;
    static final java.util.concurrent.atomic.AtomicInteger H2_CONNECTIONS = new java.util.concurrent.atomic.AtomicInteger();
    static int port;

    @BeforeAll
    static void start() throws Exception {
        backend = new TlsBackend(BACKEND);
        wildBackend = new TlsBackend(WILD_BACKEND);
        poolBackend = new TlsBackend(BACKEND);
        startH2Server();
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, "{\"listeners\": [], \"clusters\": []}");
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~upstream-tls", 0, 1, boot, Map.of()));
        List<ClusterConfig> clusters = List.of(
                cluster("good", backend.port(), tls("abc.example.com", BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "abc.example.com"))),
                cluster("pooled", poolBackend.port(), tls("abc.example.com", BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "abc.example.com"))),
                cluster("wrong-name", backend.port(), tls("abc.example.com", BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "mismatch.example.com"))),
                cluster("wrong-ca", backend.port(), tls("abc.example.com", OTHER.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "abc.example.com"))),
                cluster("wild", wildBackend.port(), tls("x.wild.example.com", WILD_BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "x.wild.example.com"))),
                cluster("plain-to-tls", backend.port(), null),
                cluster("h2", h2Port(), tlsH2("abc.example.com", BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.DNS, "abc.example.com"))));
        List<io.envoyproxy.envoy.config.route.v3.VirtualHost> vhosts = new ArrayList<>();
        for (ClusterConfig c : clusters) vhosts.add(toCluster(c.name(), List.of(c.name()), c.name()));
        assertThat(proxy.apply(ProxyConfig.of(List.of(XdsResources.parseListener(listener("http", 0,
                List.of(httpChain("all", List.of(), null, null, vhosts.toArray(io.envoyproxy.envoy.config.route.v3.VirtualHost[]::new)))))),
                clusters))).isEmpty();
        port = proxy.listenerPort("http");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) proxy.close();
        if (backend != null) backend.close();
        if (wildBackend != null) wildBackend.close();
        if (poolBackend != null) poolBackend.close();
        if (h2Server != null) h2Server.close().syncUninterruptibly();
        if (h2Group != null) h2Group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void requestsGoOverTlsWithTheSniAndReuseThePooledConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            for (int i = 0; i < 3; i++) {
                String r = exchange(s, "pooled");
                assertThat(r).startsWith("HTTP/1.1 200").contains("sni=abc.example.com").contains("path=/hello");
            }
        }
        assertThat(poolBackend.connections.get()).as("one pooled TLS connection for three requests").isEqualTo(1);
        assertThat(poolBackend.sniSeen).containsExactly("abc.example.com");
    }

    @Test
    void aWebSocketUpgradeGoesOverTlsAndFailsOnAWrongName() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: good\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101");
            s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            String want = "[abc.example.com]hello";
            assertThat(new String(s.getInputStream().readNBytes(want.length()), StandardCharsets.UTF_8)).isEqualTo(want);
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: wrong-name\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void anH2ClusterSpeaksH2OverTlsByAlpnOnOneConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            for (int i = 0; i < 3; i++) {
                assertThat(exchange(s, "h2")).startsWith("HTTP/1.1 200").contains("h2 alpn=h2 sni=abc.example.com path=/hello");
            }
        }
        assertThat(H2_CONNECTIONS.get()).isEqualTo(1);
    }

    @Test
    void aWildcardCertificateCoversTheWantedName() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "wild")).startsWith("HTTP/1.1 200").contains("sni=x.wild.example.com");
        }
    }

    @Test
    void aCertificateWithoutTheWantedSubjectAltNameFails() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "wrong-name")).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void aCertificateNotSignedByTheTrustedCaFails() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "wrong-ca")).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void withoutTransportSocketThePlainRequestNeverReachesTheTlsBackend() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "plain-to-tls")).doesNotStartWith("HTTP/1.1 200");
        }
    }

    @Test
    void xdsParsesTheUpstreamTlsContext() throws Exception {
        ClusterConfig c = cluster("x", 1, tls("abc.example.com", BACKEND.certPem(), san(SubjectAltNameMatcher.SanType.URI, "spiffe://a/b")));
        assertThat(c.tls()).isEqualTo(new UpstreamTlsConfig("abc.example.com", BACKEND.certPem(),
                List.of(new UpstreamTlsConfig.SanMatcher(UpstreamTlsConfig.SanType.URI, "spiffe://a/b"))));
        ClusterConfig sys = cluster("y", 1, TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("a.example").setCommonTlsContext(
                        CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                                .setSystemRootCerts(CertificateValidationContext.SystemRootCerts.getDefaultInstance()))).build()))
                .build());
        assertThat(sys.tls().trustedCaPem()).isNull();
        assertThat(sys.tls().sni()).isEqualTo("a.example");
    }

    @Test
    void xdsRejectsAnUnverifiedOrBrokenContext() {
        TransportSocket noValidation = TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("a").build())).build();
        assertThatThrownBy(() -> cluster("n", 1, noValidation)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("cluster n").hasMessageContaining("validation_context: required");
        assertThatThrownBy(() -> cluster("b", 1, tls("a", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", List.of())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("trusted_ca");
        TransportSocket other = TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer").build();
        assertThatThrownBy(() -> cluster("r", 1, other)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("transport_socket.name");
    }

    // ---------------------------------------------------------------- helpers

    static List<SubjectAltNameMatcher> san(SubjectAltNameMatcher.SanType type, String exact) {
        return List.of(SubjectAltNameMatcher.newBuilder().setSanType(type).setMatcher(StringMatcher.newBuilder().setExact(exact)).build());
    }

    static TransportSocket tls(String sni, String caPem, List<SubjectAltNameMatcher> sans) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(
                        CommonTlsContext.newBuilder().addAlpnProtocols("http/1.1").setValidationContext(CertificateValidationContext.newBuilder()
                                .setTrustedCa(DataSource.newBuilder().setInlineString(caPem))
                                .addAllMatchTypedSubjectAltNames(sans))).build()))
                .build();
    }

    static TransportSocket tlsH2(String sni, String caPem, List<SubjectAltNameMatcher> sans) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(
                        CommonTlsContext.newBuilder().addAlpnProtocols("h2").setValidationContext(CertificateValidationContext.newBuilder()
                                .setTrustedCa(DataSource.newBuilder().setInlineString(caPem))
                                .addAllMatchTypedSubjectAltNames(sans))).build()))
                .build();
    }

    static int h2Port() {
        return ((java.net.InetSocketAddress) h2Server.localAddress()).getPort();
    }

    /**
     * An HTTP/2-over-TLS server (Netty, ALPN h2 only) answering each stream with {@code h2 alpn=<protocol> sni=<sni>
     * path=<path>}; counts its connections.
     */
    static void startH2Server() throws Exception {
        io.netty.handler.ssl.SslContext ctx = io.netty.handler.ssl.SslContextBuilder
                .forServer(BACKEND.keys().getPrivate(), BACKEND.certificate())
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                .applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                        io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        h2Group = new io.netty.channel.nio.NioEventLoopGroup(1);
        h2Server = new io.netty.bootstrap.ServerBootstrap().group(h2Group)
                .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                    @Override
                    protected void initChannel(io.netty.channel.Channel ch) {
                        H2_CONNECTIONS.incrementAndGet();
                        io.netty.handler.ssl.SslHandler ssl = ctx.newHandler(ch.alloc());
                        ch.pipeline().addLast(ssl);
                        ch.pipeline().addLast(io.netty.handler.codec.http2.Http2FrameCodecBuilder.forServer().build());
                        ch.pipeline().addLast(new io.netty.handler.codec.http2.Http2MultiplexHandler(
                                new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                                    @Override
                                    protected void initChannel(io.netty.channel.Channel stream) {
                                        stream.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(true));
                                        stream.pipeline().addLast(new io.netty.handler.codec.http.HttpObjectAggregator(65536));
                                        stream.pipeline().addLast(new io.netty.channel.SimpleChannelInboundHandler<
                                                io.netty.handler.codec.http.FullHttpRequest>() {
                                            @Override
                                            protected void channelRead0(io.netty.channel.ChannelHandlerContext c,
                                                                        io.netty.handler.codec.http.FullHttpRequest req) {
                                                String sni = "";
                                                if (ssl.engine().getSession() instanceof ExtendedSSLSession e) {
                                                    for (var n : e.getRequestedServerNames()) {
                                                        if (n instanceof SNIHostName h) sni = h.getAsciiName();
                                                    }
                                                }
                                                byte[] body = ("h2 alpn=" + ssl.applicationProtocol() + " sni=" + sni + " path=" + req.uri())
                                                        .getBytes(StandardCharsets.UTF_8);
                                                var res = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                                                        io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                                                        io.netty.handler.codec.http.HttpResponseStatus.OK,
                                                        io.netty.buffer.Unpooled.wrappedBuffer(body));
                                                res.headers().setInt("content-length", body.length);
                                                c.writeAndFlush(res);
                                            }
                                        });
                                    }
                                }));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    static ClusterConfig cluster(String name, int port, TransportSocket ts) throws XdsRejection {
        Cluster.Builder b = Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                                        .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))))));
        if (ts != null) b.setTransportSocket(ts);
        if (name.equals("h2")) b.setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance());
        return XdsResources.parseCluster(b.build());
    }

    /** Sends {@code GET /hello} for {@code host} on a kept-alive connection and reads one response (Content-Length). */
    static String exchange(Socket s, String host) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("GET /hello HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String head = readHead(in);
        int len = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) len = Integer.parseInt(line.substring(15).trim());
        }
        return head + new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) break;
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** A keep-alive HTTP/1.1 server over TLS answering {@code sni=<sni> path=<path>}; counts its connections. */
    static final class TlsBackend implements AutoCloseable {
        final SSLServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> sniSeen = new CopyOnWriteArrayList<>();

        TlsBackend(TestCerts.Cert cert) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("k", cert.keys().getPrivate(), new char[0], new X509Certificate[] {cert.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("upstream-tls-backend").start(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(SSLSocket s) {
            try (s) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                connections.incrementAndGet();
                String sni = "";
                if (s.getSession() instanceof ExtendedSSLSession e) {
                    for (var n : e.getRequestedServerNames()) {
                        if (n instanceof SNIHostName h) sni = h.getAsciiName();
                    }
                }
                sniSeen.add(sni);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (!head.endsWith("\r\n\r\n")) return;
                    String path = head.split(" ")[1];
                    if (head.toLowerCase(java.util.Locale.ROOT).contains("upgrade: websocket")) {
                        // a WebSocket upgrade: 101, then the bytes come back prefixed with the SNI
                        out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        byte[] buf = new byte[256];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            out.write(("[" + sni + "]").getBytes(StandardCharsets.UTF_8));
                            out.write(buf, 0, n);
                            out.flush();
                        }
                        return;
                    }
                    byte[] body = ("sni=" + sni + " path=" + path).getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away or the handshake failed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
