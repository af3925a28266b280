package dev.lattice.proxy;

import static dev.lattice.proxy.TlsTestConfigs.httpChain;
import static dev.lattice.proxy.TlsTestConfigs.listener;
import static dev.lattice.proxy.TlsTestConfigs.toCluster;
import static dev.lattice.proxy.UpstreamTlsTest.cluster;
import static dev.lattice.proxy.UpstreamTlsTest.exchange;
import static dev.lattice.proxy.UpstreamTlsTest.readHead;
import static dev.lattice.proxy.UpstreamTlsTest.san;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.UpstreamTlsConfig;
import dev.lattice.proxy.tls.TestCerts;
import dev.lattice.proxy.xds.XdsRejection;
import dev.lattice.proxy.xds.XdsResources;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster's UpstreamTlsContext with a client certificate ({@code common_tls_context.tls_certificates}, a Gateway's
 * spec.tls.backend.clientCertificateRef) against a real TLS backend that requires a client certificate signed by the
 * one it trusts and answers with the subject it saw; and the xDS parsing that NACKs a broken one.
 */
class UpstreamClientCertificateTest {
    static final TestCerts.Cert BACKEND = TestCerts.selfSigned("abc.example.com", "RSA", "abc.example.com");
    static final TestCerts.Cert CLIENT = TestCerts.selfSigned("gateway-client", "EC");
    static final TestCerts.Cert STRANGER = TestCerts.selfSigned("stranger", "RSA");

    @TempDir
    static Path dir;
    static SSLServerSocket backend;
    static ProxyServer proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        backend = mtlsBackend();
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, "{\"listeners\": [], \"clusters\": []}");
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~upstream-client-cert", 0, 1, boot, Map.of()));
        int bp = backend.getLocalPort();
        List<ClusterConfig> clusters = List.of(
                cluster("with-cert", bp, tls(CLIENT.certPem(), CLIENT.pkcs8KeyPem())),
                cluster("with-sec1-key", bp, tls(CLIENT.certPem(), CLIENT.traditionalKeyPem())),
                cluster("untrusted-cert", bp, tls(STRANGER.certPem(), STRANGER.pkcs8KeyPem())),
                cluster("no-cert", bp, tls(null, null)));
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
    }

    @Test
    void theConfiguredClientCertificateIsPresentedAndAccepted() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "with-cert")).startsWith("HTTP/1.1 200").contains("client=CN=gateway-client");
            assertThat(exchange(s, "with-sec1-key")).startsWith("HTTP/1.1 200").contains("client=CN=gateway-client");
        }
    }

    @Test
    void withoutAClientCertificateTheBackendRefusesTheHandshake() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "no-cert")).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void aCertificateTheBackendDoesNotTrustIsRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            assertThat(exchange(s, "untrusted-cert")).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void xdsCarriesTheClientCertificate() throws Exception {
        ClusterConfig c = cluster("x", 1, tls(CLIENT.certPem(), CLIENT.pkcs8KeyPem()));
        assertThat(c.tls().clientCertificate())
                .isEqualTo(new UpstreamTlsConfig.ClientCertificate(CLIENT.certPem(), CLIENT.pkcs8KeyPem()));
        assertThat(c.tls().clientCertificate().toString()).doesNotContain("PRIVATE");
        assertThat(cluster("y", 1, tls(null, null)).tls().clientCertificate()).isNull();
    }

    @Test
    void xdsRejectsABrokenClientCertificate() {
        assertThatThrownBy(() -> cluster("bad-chain", 1, tls("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
                CLIENT.pkcs8KeyPem()))).isInstanceOf(XdsRejection.class).hasMessageContaining("cluster bad-chain")
                .hasMessageContaining("common_tls_context.tls_certificates[0].certificate_chain");
        assertThatThrownBy(() -> cluster("bad-key", 1, tls(CLIENT.certPem(), "not a key")))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("tls_certificates[0].private_key");
        assertThatThrownBy(() -> cluster("mismatch", 1, tls(CLIENT.certPem(), STRANGER.pkcs8KeyPem())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("tls_certificates[0]:");
        TlsCertificate one = TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(CLIENT.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(CLIENT.pkcs8KeyPem())).build();
        assertThatThrownBy(() -> cluster("two", 1, socket(base().addTlsCertificates(one).addTlsCertificates(one))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("at most one client certificate");
        assertThatThrownBy(() -> cluster("sds", 1, socket(base().addTlsCertificateSdsSecretConfigs(
                SdsSecretConfig.newBuilder().setName("s"))))).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("tls_certificate_sds_secret_configs");
        assertThatThrownBy(() -> cluster("file", 1, socket(base().addTlsCertificates(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setFilename("/etc/c.pem"))
                .setPrivateKey(DataSource.newBuilder().setInlineString(CLIENT.pkcs8KeyPem()))))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("certificate_chain: an inline_string");
    }

    // ---------------------------------------------------------------- helpers

    static CommonTlsContext.Builder base() {
        return CommonTlsContext.newBuilder().addAlpnProtocols("http/1.1").setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(BACKEND.certPem()))
                .addAllMatchTypedSubjectAltNames(san(SubjectAltNameMatcher.SanType.DNS, "abc.example.com")));
    }

    static TransportSocket socket(CommonTlsContext.Builder common) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("abc.example.com").setCommonTlsContext(common).build()))
                .build();
    }

    /** The upstream TLS of the backend, presenting {@code chainPem}/{@code keyPem} (null: no client certificate). */
    static TransportSocket tls(String chainPem, String keyPem) {
        CommonTlsContext.Builder c = base();
        if (chainPem != null) {
            c.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setInlineString(chainPem))
                    .setPrivateKey(DataSource.newBuilder().setInlineString(keyPem)));
        }
        return socket(c);
    }

    /** An HTTP/1.1 TLS server that requires a client certificate trusted as CLIENT and answers {@code client=<subject>}. */
    static SSLServerSocket mtlsBackend() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", BACKEND.keys().getPrivate(), new char[0], new X509Certificate[] {BACKEND.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("client", CLIENT.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        Thread.ofPlatform().daemon().name("upstream-mtls-backend").start(() -> {
            while (!server.isClosed()) {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    private static void serve(SSLSocket s) {
        try (s) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (!head.endsWith("\r\n\r\n")) return;
                byte[] body = ("client=" + peer.getSubjectX500Principal().getName()).getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            }
        } catch (IOException ignored) {
            // the client went away or the handshake failed (no or an untrusted client certificate)
        }
    }
}
