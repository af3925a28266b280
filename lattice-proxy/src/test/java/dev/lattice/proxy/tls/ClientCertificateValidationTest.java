package dev.lattice.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * The server context of a chain with client certificate validation, in a real TLS handshake (JDK client engine against
 * the Netty server engine, bytes passed in memory, then one application record each way so TLS 1.3's post-handshake
 * client authentication has happened): AllowValidOnly refuses a client without a certificate or with one the CA did
 * not issue; AllowInsecureFallback serves both.
 */
class ClientCertificateValidationTest {
    static final TestCerts.Cert SERVER = TestCerts.selfSigned("example.org", "EC", "example.org");
    /** Self-signed: it is its own CA, so trusting it trusts the client that holds it. */
    static final TestCerts.Cert GOOD_CLIENT = TestCerts.selfSigned("good-client", "EC");
    static final TestCerts.Cert OTHER_CLIENT = TestCerts.selfSigned("other-client", "RSA");

    private static SslContext server(boolean required, boolean acceptUntrusted) {
        return ServerTlsContexts.build(new TlsConfig(List.of(new TlsConfig.Certificate(SERVER.certPem(), SERVER.pkcs8KeyPem())),
                List.of("http/1.1"), new TlsConfig.ClientValidation(GOOD_CLIENT.certPem(), required, acceptUntrusted)));
    }

    @Test
    void allowValidOnlyServesAClientWithACertificateFromTheCa() throws Exception {
        SSLEngine s = handshake(server(true, false), GOOD_CLIENT);
        assertThat(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName())
                .isEqualTo("CN=good-client");
    }

    @Test
    void allowValidOnlyRefusesAClientWithoutACertificate() {
        assertThatThrownBy(() -> handshake(server(true, false), null)).isInstanceOf(SSLException.class);
    }

    @Test
    void allowValidOnlyRefusesACertificateTheCaDidNotIssue() {
        assertThatThrownBy(() -> handshake(server(true, false), OTHER_CLIENT)).isInstanceOf(SSLException.class);
    }

    @Test
    void allowInsecureFallbackServesEveryClient() throws Exception {
        SslContext ctx = server(false, true);
        SSLEngine none = handshake(ctx, null);
        assertThatThrownBy(() -> none.getSession().getPeerCertificates()).isInstanceOf(SSLPeerUnverifiedException.class);
        SSLEngine other = handshake(ctx, OTHER_CLIENT);
        assertThat(((X509Certificate) other.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName())
                .isEqualTo("CN=other-client");
        assertThat(handshake(ctx, GOOD_CLIENT).getSession().getPeerCertificates()).hasSize(1);
    }

    @Test
    void aValidationContextWithoutRequireStillRefusesAnUntrustedCertificate() throws Exception {
        // Envoy: without require_client_certificate a client may omit its certificate, but one it presents is verified
        SslContext ctx = server(false, false);
        handshake(ctx, null);
        assertThatThrownBy(() -> handshake(ctx, OTHER_CLIENT)).isInstanceOf(SSLException.class);
    }

    @Test
    void aBadTrustedCaIsNamed() {
        assertThatThrownBy(() -> ServerTlsContexts.build(new TlsConfig(
                List.of(new TlsConfig.Certificate(SERVER.certPem(), SERVER.pkcs8KeyPem())), List.of(),
                new TlsConfig.ClientValidation("no pem here", true, false))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("validation_context.trusted_ca: ");
    }

    /** A full handshake plus one record each way; returns the server engine, or throws the first SSLException. */
    private static SSLEngine handshake(SslContext serverCtx, TestCerts.Cert clientCert) throws Exception {
        SSLContext jdk = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("c", clientCert.keys().getPrivate(), new char[0], new X509Certificate[] {clientCert.certificate()});
            kmf = KeyManagerFactory.getInstance("NewSunX509");
            kmf.init(ks, new char[0]);
        }
        // the client sends its certificate whatever issuers the server names, as curl --cert does
        jdk.init(kmf == null ? null : new javax.net.ssl.KeyManager[] {new AlwaysSend((javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0])},
                new TrustManager[] {new TrustAll()}, null);
        SSLEngine c = jdk.createSSLEngine("example.org", 443);
        c.setUseClientMode(true);
        SSLEngine s = serverCtx.newEngine(ByteBufAllocator.DEFAULT);
        ByteBuffer cToS = ByteBuffer.allocate(1 << 17);
        ByteBuffer sToC = ByteBuffer.allocate(1 << 17);
        ByteBuffer cApp = ByteBuffer.wrap("ping".getBytes());
        ByteBuffer sApp = ByteBuffer.wrap("pong".getBytes());
        ByteBuffer cIn = ByteBuffer.allocate(1 << 17);
        ByteBuffer sIn = ByteBuffer.allocate(1 << 17);
        c.beginHandshake();
        s.beginHandshake();
        for (int round = 0; round < 200; round++) {
            step(c, cApp, cToS);
            step(s, sApp, sToC);
            cToS.flip();
            sIn.limit(sIn.capacity());
            unwrap(s, cToS, sIn);
            cToS.compact();
            sToC.flip();
            unwrap(c, sToC, cIn);
            sToC.compact();
            if (sIn.position() >= 4 && cIn.position() >= 4) return s;
        }
        throw new AssertionError("the handshake did not finish");
    }

    private static void step(SSLEngine e, ByteBuffer app, ByteBuffer net) throws SSLException {
        SSLEngineResult.HandshakeStatus hs = e.getHandshakeStatus();
        while (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            Runnable t;
            while ((t = e.getDelegatedTask()) != null) t.run();
            hs = e.getHandshakeStatus();
        }
        if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP || hs == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
            e.wrap(hs == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING ? app : ByteBuffer.allocate(0), net);
        }
    }

    private static void unwrap(SSLEngine e, ByteBuffer net, ByteBuffer app) throws SSLException {
        while (net.hasRemaining()) {
            SSLEngineResult r = e.unwrap(net, app);
            Runnable t;
            while ((t = e.getDelegatedTask()) != null) t.run();
            if (r.getStatus() != SSLEngineResult.Status.OK) break;
            if (r.bytesConsumed() == 0) break;
        }
    }

    /** Offers its one certificate even when the server's certificate_authorities do not name its issuer. */
    private static final class AlwaysSend extends javax.net.ssl.X509ExtendedKeyManager {
        private final javax.net.ssl.X509ExtendedKeyManager d;

        AlwaysSend(javax.net.ssl.X509ExtendedKeyManager d) {
            this.d = d;
        }

        private String alias() {
            String[] all = d.getClientAliases("EC", null);
            if (all == null || all.length == 0) all = d.getClientAliases("RSA", null);
            return all[0];
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, SSLEngine engine) {
            return alias();
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return d.getClientAliases(keyType, null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return alias();
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
