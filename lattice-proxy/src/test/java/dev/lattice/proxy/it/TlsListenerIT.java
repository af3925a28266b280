package dev.lattice.proxy.it;

import static dev.lattice.proxy.TlsTestConfigs.direct;
import static dev.lattice.proxy.TlsTestConfigs.httpChain;
import static dev.lattice.proxy.TlsTestConfigs.listener;
import static dev.lattice.proxy.TlsTestConfigs.tcpChain;
import static dev.lattice.proxy.TlsTestConfigs.toCluster;
import static dev.lattice.proxy.it.ProxyFixture.curl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.tls.TestCerts;
import dev.lattice.proxy.xds.XdsResources;
import dev.lattice.testkit.EchoServer;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener level of issue #3 with real TLS: SNI chain selection (the certificate the client sees), HTTP/1.1 and
 * h2 by ALPN (curl), 421 for a Host of another certificate, TLS passthrough to a TLS echo backend, WebSocket echo,
 * and config swaps under open TLS connections.
 */
class TlsListenerIT {
    static final TestCerts.Cert FOO = TestCerts.selfSigned("foo.example.com", "RSA", "foo.example.com");
    static final TestCerts.Cert WILD = TestCerts.selfSigned("*.example.com", "EC", "*.example.com");
    static final TestCerts.Cert DEEP = TestCerts.selfSigned("*.deep.example.com", "RSA", "*.deep.example.com");
    static final TestCerts.Cert DEF = TestCerts.selfSigned("default.example", "EC", "default.example");
    static final TestCerts.Cert PASS = TestCerts.selfSigned("pass.example.org", "RSA", "pass.example.org");

    @TempDir
    static Path dir;
    static EchoServer echo;
    static TlsEchoServer tlsBackend;
    static WebSocketEchoServer wsBackend;
    /** Reads until the client half-closes, then answers "got N bytes" and closes. */
    static ServerSocket countBackend;
    static ProxyServer proxy;
    static int tlsPort;

    @BeforeAll
    static void start() throws Exception {
        echo = EchoServer.start(0, "echo", "default");
        tlsBackend = new TlsEchoServer(PASS);
        wsBackend = new WebSocketEchoServer();
        countBackend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("count-backend").start(() -> {
            while (!countBackend.isClosed()) {
                try {
                    Socket s = countBackend.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            long n = s.getInputStream().transferTo(OutputStream.nullOutputStream());
                            s.getOutputStream().write(("got " + n + " bytes").getBytes(StandardCharsets.US_ASCII));
                        } catch (IOException ignored) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, "{\"listeners\": [], \"clusters\": []}");
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~tls", 0, 1, boot, Map.of()));
        assertThat(proxy.apply(config(false))).isEmpty();
        tlsPort = proxy.listenerPort("tls");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (tlsBackend != null) {
            tlsBackend.close();
        }
        if (wsBackend != null) {
            wsBackend.close();
        }
        if (countBackend != null) {
            countBackend.close();
        }
    }

    static ProxyConfig config(boolean v2) throws Exception {
        List<FilterChain> chains = new ArrayList<>();
        chains.add(httpChain("foo", List.of("foo.example.com"), FOO.certPem(), FOO.traditionalKeyPem(),
                v2 ? direct("foo", List.of("foo.example.com"), "foo-v2")
                        : toCluster("foo", List.of("foo.example.com"), "echo")));
        if (!v2) {
            chains.add(httpChain("wild", List.of("*.example.com"), WILD.certPem(), WILD.traditionalKeyPem(),
                    direct("wild", List.of("*.example.com"), "wild")));
        }
        chains.add(httpChain("deep", List.of("*.deep.example.com"), DEEP.certPem(), DEEP.pkcs8KeyPem(),
                direct("deep", List.of("*.deep.example.com"), "deep")));
        chains.add(httpChain("wss", List.of("ws.example.net"), WILD.certPem(), WILD.pkcs8KeyPem(),
                toCluster("wss", List.of("ws.example.net"), "ws-backend")));
        chains.add(tcpChain("pass", List.of("pass.example.org"), "tls-backend"));
        chains.add(tcpChain("dead", List.of("dead.example.org"), "dead"));
        // TLS terminated at the proxy, then the plain bytes relayed (TLSRoute on a Terminate listener)
        chains.add(tcpChain("term", List.of("term.example.org"), "count-backend").toBuilder()
                .setTransportSocket(dev.lattice.proxy.TlsTestConfigs.tls(FOO.certPem(), FOO.pkcs8KeyPem())).build());
        chains.add(httpChain("default", List.of(), DEF.certPem(), DEF.pkcs8KeyPem(),
                direct("default", List.of("*"), "default")));
        List<ListenerConfig> listeners = List.of(
                XdsResources.parseListener(listener("tls", 0, chains)),
                XdsResources.parseListener(listener("strict", 0, List.of(httpChain("only", List.of("only.example.com"),
                        FOO.certPem(), FOO.pkcs8KeyPem(), direct("only", List.of("*"), "only"))))),
                XdsResources.parseListener(listener("tcp", 0, List.of(tcpChain("raw", List.of(), "count-backend")))),
                XdsResources.parseListener(listener("ws", 0, List.of(httpChain("ws", List.of(), null, null,
                        toCluster("echo", List.of("echo.example"), "echo"),
                        toCluster("ws", List.of("*"), "ws-backend"))))));
        return ProxyConfig.of(listeners, List.of(
                cluster("echo", echo.port()), cluster("tls-backend", tlsBackend.port()),
                cluster("ws-backend", wsBackend.port()), cluster("count-backend", countBackend.getLocalPort()), cluster("dead", ProxyFixture.deadPort())));
    }

    static ClusterConfig cluster(String name, int port) throws Exception {
        return XdsResources.parseCluster(io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName(name)
                .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder()
                        .setClusterName(name)
                        .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                                        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                                .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                                                        .setSocketAddress(io.envoyproxy.envoy.config.core.v3.SocketAddress
                                                                .newBuilder().setAddress("127.0.0.1").setPortValue(port)))))))
                .build());
    }

    /** A TLS connection to the proxy with {@code sni} (null: none). */
    static SSLSocket connect(int port, String sni) throws IOException {
        SSLSocket s = (SSLSocket) TestCerts.trustAll().getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static String peerCn(SSLSocket s) throws Exception {
        X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
        return c.getSubjectX500Principal().getName();
    }

    static String certCn(int port, String sni) throws Exception {
        try (SSLSocket s = connect(port, sni)) {
            return peerCn(s);
        }
    }

    @Test
    void sniChoosesTheChainAndItsCertificate() throws Exception {
        assertThat(certCn(tlsPort, "foo.example.com")).isEqualTo("CN=foo.example.com");
        assertThat(certCn(tlsPort, "FOO.example.com")).isEqualTo("CN=foo.example.com");
        assertThat(certCn(tlsPort, "bar.example.com")).isEqualTo("CN=*.example.com");
        assertThat(certCn(tlsPort, "x.deep.example.com")).isEqualTo("CN=*.deep.example.com");
        assertThat(certCn(tlsPort, "unknown.net")).isEqualTo("CN=default.example");
        assertThat(certCn(tlsPort, null)).isEqualTo("CN=default.example");
    }

    @Test
    void noMatchingChainAndNoDefaultClosesTheConnection() {
        int strict = proxy.listenerPort("strict");
        assertThatThrownBy(() -> certCn(strict, "other.net")).isInstanceOf(IOException.class);
    }

    @Test
    void http1AndH2ByAlpnThroughTheSameRouter() throws Exception {
        String resolve = "foo.example.com:" + tlsPort + ":127.0.0.1";
        String url = "https://foo.example.com:" + tlsPort + "/hello";
        String h1 = curl("-k", "--http1.1", "--resolve", resolve, "-w", "\n%{http_code} %{http_version}", url);
        assertThat(h1).contains("\"name\":\"echo\"").contains("\"path\":\"/hello\"").endsWith("\n200 1.1")
                .containsPattern("\"x-forwarded-proto\":\\[?\"https\"");
        String h2 = curl("-k", "--http2", "--resolve", resolve, "-w", "\n%{http_code} %{http_version}", url);
        assertThat(h2).contains("\"name\":\"echo\"").endsWith("\n200 2");
        String wild = curl("-k", "--http2", "--resolve", "bar.example.com:" + tlsPort + ":127.0.0.1",
                "-w", "\n%{http_code}", "https://bar.example.com:" + tlsPort + "/");
        assertThat(wild).isEqualTo("wild\n200");
    }

    @Test
    void aHostOfAnotherCertificateIsMisdirected() throws Exception {
        String out = curl("-k", "--http1.1", "--resolve", "foo.example.com:" + tlsPort + ":127.0.0.1",
                "-H", "Host: bar.example.com", "-o", "/dev/null", "-w", "%{http_code}",
                "https://foo.example.com:" + tlsPort + "/");
        assertThat(out).isEqualTo("421");
    }

    @Test
    void passthroughRelaysTlsToTheBackendBySni() throws Exception {
        try (SSLSocket s = connect(tlsPort, "pass.example.org")) {
            assertThat(peerCn(s)).isEqualTo("CN=pass.example.org"); // the backend's own certificate
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                out.write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).isEqualTo("echo: hello " + i);
            }
            byte[] big = new byte[300_000];
            java.util.Arrays.fill(big, (byte) 'x');
            out.write(big);
            out.write('\n');
            out.flush();
            assertThat(in.readLine()).hasSize("echo: ".length() + big.length);
        }
        assertThat(tlsBackend.sniSeen).contains("pass.example.org");
    }

    @Test
    void aTcpProxyChainRelaysNonTlsBytesAndHalfCloses() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.listenerPort("tcp"))) {
            s.setSoTimeout(10_000);
            byte[] data = new byte[1_000_000];
            new java.util.Random(7).nextBytes(data);
            s.getOutputStream().write(data);
            s.shutdownOutput(); // half-close: the backend sees the end and still answers
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("got 1000000 bytes");
        }
    }

    @Test
    void aTerminatingTcpProxyChainRelaysThePlainBytesAndEndsWithCloseNotify() throws Exception {
        try (SSLSocket s = connect(tlsPort, "term.example.org")) {
            assertThat(peerCn(s)).isEqualTo("CN=foo.example.com"); // the proxy's certificate: TLS ends here
            byte[] data = new byte[300_000];
            new java.util.Random(11).nextBytes(data);
            s.getOutputStream().write(data);
            s.getOutputStream().flush();
            s.shutdownOutput(); // close_notify and FIN: the backend sees the end of the plain stream and answers
            // the backend counted the decrypted bytes; the answer ends cleanly (close_notify, not a truncation)
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("got 300000 bytes");
        }
    }

    @Test
    void theEndOfATerminatedRelayIsACloseNotify() throws Exception {
        io.netty.channel.EventLoopGroup g = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            io.netty.handler.ssl.SslContext client = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).build();
            StringBuilder got = new StringBuilder();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            io.netty.channel.Channel ch = new io.netty.bootstrap.Bootstrap().group(g)
                    .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                    .option(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel c) {
                            c.pipeline().addLast(client.newHandler(c.alloc(), "term.example.org", tlsPort));
                            c.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                                    io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
                                    got.append(b.toString(StandardCharsets.US_ASCII));
                                    b.release();
                                }

                                @Override
                                public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                                        closed.complete(null); // the proxy's FIN
                                    }
                                    ctx.fireUserEventTriggered(evt);
                                }

                                @Override
                                public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) {
                                    closed.complete(null);
                                }
                            });
                        }
                    }).connect("127.0.0.1", tlsPort).sync().channel();
            io.netty.handler.ssl.SslHandler ssl = ch.pipeline().get(io.netty.handler.ssl.SslHandler.class);
            ssl.handshakeFuture().sync();
            ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[1234])).sync();
            ssl.closeOutbound().sync();
            ((io.netty.channel.socket.SocketChannel) ch).shutdownOutput().sync();
            closed.get(10, TimeUnit.SECONDS);
            assertThat(got.toString()).isEqualTo("got 1234 bytes");
            // the proxy ended the stream with a TLS close_notify, not just a FIN (which would fail this future)
            assertThat(ssl.sslCloseFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(ssl.sslCloseFuture().isSuccess()).as(String.valueOf(ssl.sslCloseFuture().cause())).isTrue();
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void passthroughToAnUnreachableClusterClosesTheClient() {
        assertThatThrownBy(() -> certCn(tlsPort, "dead.example.org")).isInstanceOf(IOException.class);
    }

    @Test
    void webSocketEchoThroughTheProxy() throws Exception {
        int port = proxy.listenerPort("ws");
        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> three = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/chat"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        got.add(data.toString());
                        if (got.size() == 3) {
                            three.complete(null);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("one", true).get(5, TimeUnit.SECONDS);
        ws.sendText("two", true).get(5, TimeUnit.SECONDS);
        ws.sendText("x".repeat(100), true).get(5, TimeUnit.SECONDS);
        three.get(10, TimeUnit.SECONDS);
        assertThat(got).containsExactly("one", "two", "x".repeat(100));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        assertThat(wsBackend.upgradeRequests).anySatisfy(r -> assertThat(r.toLowerCase())
                .contains("upgrade: websocket").contains("connection: upgrade").contains("x-forwarded-for: 127.0.0.1"));
    }

    @Test
    void anUpstreamThatClosesBeforeAnsweringTheUpgradeIs503() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.listenerPort("ws"))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /vanish HTTP/1.1\r\nHost: ws.example.net\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(line(s.getInputStream())).isEqualTo("HTTP/1.1 503 Service Unavailable");
        }
    }

    /** The backend's first frame comes in the same read as its 101: the client gets the 101, then the frame. */
    @RepeatedTest(20)
    void aFirstFrameThatComesWithThe101FollowsIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.listenerPort("ws"))) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /eager HTTP/1.1\r\nHost: ws.example.net\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(line(in)).isEqualTo("HTTP/1.1 101 Switching Protocols");
            while (!line(in).isEmpty()) {
                // headers
            }
            assertThat(in.read()).isEqualTo(0x81);
            assertThat(in.read()).isEqualTo(5);
            assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
        }
    }

    @Test
    void webSocketOverTls() throws Exception {
        try (SSLSocket s = connect(tlsPort, "ws.example.net")) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /chat HTTP/1.1\r\nHost: ws.example.net\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(line(in)).isEqualTo("HTTP/1.1 101 Switching Protocols");
            List<String> headers = new ArrayList<>();
            String h;
            while (!(h = line(in)).isEmpty()) {
                headers.add(h.toLowerCase());
            }
            assertThat(headers).contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=", "upgrade: websocket");
            for (String msg : List.of("hi", "there")) {
                byte[] mask = {1, 2, 3, 4};
                byte[] payload = msg.getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream f = new ByteArrayOutputStream();
                f.write(0x81);
                f.write(0x80 | payload.length);
                f.write(mask);
                for (int i = 0; i < payload.length; i++) {
                    f.write(payload[i] ^ mask[i % 4]);
                }
                out.write(f.toByteArray());
                out.flush();
                assertThat(in.read()).isEqualTo(0x81);
                assertThat(in.read()).isEqualTo(payload.length);
                assertThat(new String(in.readNBytes(payload.length), StandardCharsets.UTF_8)).isEqualTo(msg);
            }
        }
    }

    @Test
    void anUpgradeAnsweredWithoutA101IsAnOrdinaryResponse() throws Exception {
        int port = proxy.listenerPort("ws");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /deny HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(all).startsWith("HTTP/1.1 403").endsWith("\r\n\r\ndenied");
        }
    }

    @Test
    void configSwapUnderTlsKeepsSocketAndConnections() throws Exception {
        try (SSLSocket foo = connect(tlsPort, "foo.example.com"); SSLSocket wild = connect(tlsPort, "bar.example.com")) {
            assertThat(request(foo, "foo.example.com")).contains("\"name\":\"echo\"");
            assertThat(request(wild, "bar.example.com")).endsWith("wild");
            try {
                assertThat(proxy.apply(config(true))).isEmpty();
                assertThat(proxy.listenerPort("tls")).isEqualTo(tlsPort); // not re-bound
                // the same connection, its chain still there: the new routes
                assertThat(request(foo, "foo.example.com")).endsWith("foo-v2");
                // a connection whose chain is gone keeps the chain it had
                assertThat(request(wild, "bar.example.com")).endsWith("wild");
                // a new connection: the wildcard chain is gone, so the default chain and its certificate
                assertThat(certCn(tlsPort, "bar.example.com")).isEqualTo("CN=default.example");
                assertThat(certCn(tlsPort, "foo.example.com")).isEqualTo("CN=foo.example.com");
            } finally {
                assertThat(proxy.apply(config(false))).isEmpty();
            }
        }
        assertThat(certCn(tlsPort, "bar.example.com")).isEqualTo("CN=*.example.com");
    }

    /** One HTTP/1.1 keep-alive exchange on {@code s}: the status line and the body. */
    static String request(SSLSocket s, String host) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String status = line(in);
        int length = -1;
        String h;
        while (!(h = line(in)).isEmpty()) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        assertThat(length).as("content-length of " + status).isNotNegative();
        byte[] body = in.readNBytes(length);
        return status + "\n" + new String(body, StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** A TLS line echo server ("echo: " + line) with its own certificate; records the SNI it saw. */
    static final class TlsEchoServer implements AutoCloseable {
        final SSLServerSocket server;
        final List<String> sniSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Thread acceptor;

        TlsEchoServer(TestCerts.Cert cert) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("k", cert.keys().getPrivate(), new char[0], new X509Certificate[] {cert.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                    java.net.InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().daemon().name("tls-echo").start(() -> {
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

        private void serve(SSLSocket s) {
            try (s) {
                s.startHandshake();
                if (s.getSession() instanceof javax.net.ssl.ExtendedSSLSession e) {
                    e.getRequestedServerNames().forEach(n -> sniSeen.add(((SNIHostName) n).getAsciiName()));
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(("echo: " + line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5000);
        }
    }

    /** A minimal WebSocket echo server (RFC 6455: handshake, masked client frames, unmasked echoes, close). */
    static final class WebSocketEchoServer implements AutoCloseable {
        final ServerSocket server;
        final List<String> upgradeRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Thread acceptor;

        WebSocketEchoServer() throws IOException {
            server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().daemon().name("ws-echo").start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                StringBuilder req = new StringBuilder();
                String key = null;
                String l;
                while (!(l = line(in)).isEmpty()) {
                    req.append(l).append('\n');
                    if (l.regionMatches(true, 0, "sec-websocket-key:", 0, 18)) {
                        key = l.substring(18).trim();
                    }
                }
                upgradeRequests.add(req.toString());
                if (req.toString().startsWith("GET /vanish ")) {
                    return; // closes without an answer
                }
                if (req.toString().startsWith("GET /deny ")) {
                    out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                byte[] answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                if (req.toString().startsWith("GET /eager ")) {
                    // the 101 and a first frame in one write: a proxy reads them in one go
                    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                    byte[] both = java.util.Arrays.copyOf(answer, answer.length + 2 + hello.length);
                    both[answer.length] = (byte) 0x81;
                    both[answer.length + 1] = (byte) hello.length;
                    System.arraycopy(hello, 0, both, answer.length + 2, hello.length);
                    answer = both;
                }
                out.write(answer);
                out.flush();
                while (true) {
                    int b0 = in.read();
                    int b1 = in.read();
                    if (b0 < 0 || b1 < 0) {
                        return;
                    }
                    int opcode = b0 & 0x0f;
                    long len = b1 & 0x7f;
                    if (len == 126) {
                        len = ((in.read() & 0xff) << 8) | (in.read() & 0xff);
                    } else if (len == 127) {
                        return; // not needed by the tests
                    }
                    byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
                    byte[] payload = in.readNBytes((int) len);
                    if (mask != null) {
                        for (int i = 0; i < payload.length; i++) {
                            payload[i] ^= mask[i % 4];
                        }
                    }
                    ByteArrayOutputStream f = new ByteArrayOutputStream();
                    f.write(0x80 | opcode);
                    if (payload.length < 126) {
                        f.write(payload.length);
                    } else {
                        f.write(126);
                        f.write(payload.length >> 8);
                        f.write(payload.length & 0xff);
                    }
                    f.write(payload);
                    out.write(f.toByteArray());
                    out.flush();
                    if (opcode == 8) {
                        return;
                    }
                }
            } catch (Exception ignored) {
                // the client went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5000);
        }
    }
}
