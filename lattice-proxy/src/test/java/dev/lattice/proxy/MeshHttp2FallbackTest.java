package dev.lattice.proxy;

import static dev.lattice.proxy.TlsTestConfigs.httpChain;
import static dev.lattice.proxy.TlsTestConfigs.listener;
import static dev.lattice.proxy.TlsTestConfigs.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.tls.MeshIdentity;
import dev.lattice.proxy.xds.XdsResources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code meshHttp2} cluster whose meshed peer only speaks HTTP/1.1 over mTLS (ALPN {@code http/1.1}: an older
 * sidecar, or another mesh's): the proxy offers h2 and http/1.1, the peer picks http/1.1, and every request, several
 * of them waiting on the first connection at once, is served in HTTP/1.1 on keep-alive connections. A real JDK TLS
 * server, a real proxy.
 */
class MeshHttp2FallbackTest {
    static final String TRUST_DOMAIN = "cluster.local";
    static final String PEER_ID = "spiffe://cluster.local/ns/default/sa/legacy";
    static KeyPair caKeys;
    static X509Certificate ca;
    static ProxyServer proxy;
    static SSLServerSocket server;
    static ExecutorService serverThreads = Executors.newCachedThreadPool();
    static final AtomicInteger CONNECTIONS = new AtomicInteger();
    static final ConcurrentLinkedQueue<String> ALPN_SEEN = new ConcurrentLinkedQueue<>();
    static int port;

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static X509Certificate leaf(KeyPair keys, String spiffeId) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=mesh-ca"), BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), new X500Name(""), keys.getPublic());
        b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    }

    @BeforeAll
    static void start() throws Exception {
        caKeys = ec();
        JcaX509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(new X500Name("CN=mesh-ca"), BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), new X500Name("CN=mesh-ca"),
                caKeys.getPublic());
        cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = new JcaX509CertificateConverter().getCertificate(cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));

        // the peer: TLS 1.3, ALPN http/1.1 only, keep-alive HTTP/1.1 answering "alpn=<negotiated> path=<path>"
        KeyPair peerKeys = ec();
        X509Certificate peerCert = leaf(peerKeys, PEER_ID);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("peer", peerKeys.getPrivate(), new char[0], new X509Certificate[] {peerCert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext sc = SSLContext.getInstance("TLSv1.3");
        sc.init(kmf.getKeyManagers(), null, null);
        server = (SSLServerSocket) sc.getServerSocketFactory().createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        SSLParameters params = server.getSSLParameters();
        params.setApplicationProtocols(new String[] {"http/1.1"});
        params.setProtocols(new String[] {"TLSv1.3"});
        server.setSSLParameters(params);
        port = server.getLocalPort();
        serverThreads.submit(() -> {
            while (!server.isClosed()) {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    serverThreads.submit(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });

        // the proxy: its own SVID from the same CA, one meshHttp2 cluster whose only endpoint is that peer
        Path dir = Files.createTempDirectory("lattice-h2-fallback-");
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, "{\"listeners\": [], \"clusters\": []}");
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~h2-fallback", 0, 1, boot, Map.of()));
        KeyPair mine = ec();
        proxy.identity().setBundles(Map.of(TRUST_DOMAIN, List.of(ca)));
        proxy.identity().setSvid(new MeshIdentity.Svid("spiffe://cluster.local/ns/default/sa/gateway", mine.getPrivate(),
                List.of(leaf(mine, "spiffe://cluster.local/ns/default/sa/gateway"), ca), Instant.now().plusSeconds(3600)));
        ClusterConfig mesh = new ClusterConfig("legacy", ClusterConfig.LbPolicy.ROUND_ROBIN, ClusterConfig.UpstreamProtocol.HTTP1,
                Duration.ofSeconds(5), List.of(new ClusterConfig.Endpoint("127.0.0.1", port, true)), null,
                new ClusterConfig.MeshTls("", List.of(PEER_ID)), true);
        assertThat(proxy.apply(ProxyConfig.of(List.of(XdsResources.parseListener(listener("http", 0,
                List.of(httpChain("all", List.of(), null, null, toCluster("legacy", List.of("legacy"), "legacy")))))),
                List.of(mesh)))).isEmpty();
    }

    static void serve(SSLSocket s) {
        try (s) {
            s.startHandshake();
            CONNECTIONS.incrementAndGet();
            ALPN_SEEN.add(String.valueOf(s.getApplicationProtocol()));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                String path = line.split(" ")[1];
                String h;
                while ((h = in.readLine()) != null && !h.isEmpty()) { }
                Thread.sleep(50); // keep the requests overlapping
                byte[] body = ("alpn=" + s.getApplicationProtocol() + " proto=" + line.substring(line.lastIndexOf(' ') + 1)
                        + " path=" + path).getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            }
        } catch (Exception e) {
            // the proxy closed the connection
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) proxy.close();
        if (server != null) server.close();
        serverThreads.shutdownNow();
    }

    @Test
    void aPeerThatPicksHttp11IsServedInHttp11AndTheWaitersGetConnectionsOfTheirOwn() throws Exception {
        int listenerPort = proxy.listenerPort("http");
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<String>>> all = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                int id = c;
                all.add(clients.submit(() -> {
                    List<String> answers = new ArrayList<>();
                    try (Socket s = new Socket("127.0.0.1", listenerPort)) {
                        for (int i = 0; i < 3; i++) {
                            answers.add(UpstreamTlsTest.exchange(s, "legacy"));
                        }
                    }
                    return answers;
                }));
            }
            for (Future<List<String>> f : all) {
                for (String r : f.get()) {
                    assertThat(r).startsWith("HTTP/1.1 200").contains("alpn=http/1.1 proto=HTTP/1.1 path=/hello");
                }
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(ALPN_SEEN).isNotEmpty().containsOnly("http/1.1");
        // HTTP/1.1 keep-alive: no more connections than requests in flight at once (6), reused for the later ones
        assertThat(CONNECTIONS.get()).isBetween(1, 6);
    }
}
