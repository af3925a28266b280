package dev.lattice.proxy.tls;

import dev.lattice.proxy.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the Netty server {@link SslContext} of a terminating filter chain, on BoringSSL when it is the process's
 * provider ({@link TlsProviders}) and the chain has one certificate, else on the JDK's TLS, where every certificate
 * of the {@link TlsConfig} goes into one in-memory key manager, which picks by the key type the client accepts
 * (RSA or ECDSA); ALPN
 * offers the configured protocols; with client validation the client's certificate is asked for (required or
 * optional) and checked against the trusted CAs, or accepted untrusted. Errors are {@link IllegalArgumentException}s naming the certificate index.
 */
public final class ServerTlsContexts {
    private ServerTlsContexts() {}

    public static SslContext build(TlsConfig tls) {
        return build(tls, false);
    }

    /** As {@link #build(TlsConfig)}; {@code tcpRelay}: the chain ends TLS in front of a tcp_proxy relay (see {@link #providerFor}). */
    public static SslContext build(TlsConfig tls, boolean tcpRelay) {
        return build(tls, providerFor(tls, tcpRelay, TlsProviders.provider()));
    }

    /**
     * The TLS implementation a chain of {@code tls} gets when the process's is {@code preferred}. BoringSSL serves
     * HTTP chains with one certificate. Two cases stay on the JDK's TLS:
     * <ul>
     *   <li>a chain with several certificates (RSA and ECDSA side by side): BoringSSL holds one certificate per
     *       connection, and netty's key-material callback would install each in turn over the last, so the client
     *       would not get the key type it asked for;</li>
     *   <li>a TLS-terminating tcp_proxy chain (a TLSRoute on a Terminate listener): the relay is half-closed, the
     *       client's close_notify ends only its direction and the backend's answer still flows back, followed by the
     *       proxy's own close_notify. Netty's OpenSSL engine closes both directions when the close_notify arrives,
     *       so the answer would be lost (TlsListenerIT's close_notify tests).</li>
     * </ul>
     */
    public static SslProvider providerFor(TlsConfig tls, boolean tcpRelay, SslProvider preferred) {
        return tls.certificates().size() == 1 && !tcpRelay ? preferred : SslProvider.JDK;
    }

    /** As {@link #build(TlsConfig)}, on {@code provider}. */
    static SslContext build(TlsConfig tls, SslProvider provider) {
        try {
            List<InMemoryKeyManager.Entry> entries = new ArrayList<>();
            List<TlsConfig.Certificate> certs = tls.certificates();
            for (int i = 0; i < certs.size(); i++) {
                TlsConfig.Certificate c = certs.get(i);
                List<X509Certificate> chain;
                PrivateKey key;
                try {
                    chain = PemParser.certificates(c.certificateChainPem());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("tls_certificates[" + i + "].certificate_chain: " + e.getMessage(), e);
                }
                try {
                    key = PemParser.privateKey(c.privateKeyPem());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("tls_certificates[" + i + "].private_key: " + e.getMessage(), e);
                }
                try {
                    PemParser.checkKeyMatches(key, chain.get(0));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("tls_certificates[" + i + "]: " + e.getMessage(), e);
                }
                entries.add(new InMemoryKeyManager.Entry(key, chain));
            }
            SslContextBuilder b;
            if (provider == SslProvider.JDK || entries.size() > 1) {
                // the parsed keys themselves: a KeyStore behind NewSunX509 would decrypt the key on every handshake
                b = SslContextBuilder.forServer(new InMemoryKeyManager(entries)).sslProvider(SslProvider.JDK);
            } else {
                // netty turns a key and chain given directly into BoringSSL key material once, not per handshake
                InMemoryKeyManager.Entry e = entries.getFirst();
                b = SslContextBuilder.forServer(e.key(), e.chain()).sslProvider(provider);
            }
            TlsConfig.ClientValidation cv = tls.clientValidation();
            if (cv != null) {
                List<X509Certificate> cas;
                try {
                    cas = PemParser.certificates(cv.trustedCaPem());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("validation_context.trusted_ca: " + e.getMessage(), e);
                }
                b.trustManager(cv.acceptUntrusted() ? new AcceptUntrusted(trustManager(cas)) : trustManager(cas));
                b.clientAuth(cv.required() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            if (!tls.alpnProtocols().isEmpty()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpnProtocols()));
            }
            return b.build();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** PKIX validation against exactly these trust anchors. */
    private static X509TrustManager trustManager(List<X509Certificate> cas) throws GeneralSecurityException, java.io.IOException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < cas.size(); i++) ts.setCertificateEntry("ca" + i, cas.get(i));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        for (TrustManager t : tmf.getTrustManagers()) {
            if (t instanceof X509TrustManager x) return x;
        }
        throw new GeneralSecurityException("no X509TrustManager from " + tmf.getAlgorithm());
    }

    /**
     * AllowInsecureFallback (Envoy's ACCEPT_UNTRUSTED): the client's chain is checked against the CA, and accepted
     * whatever the outcome; no issuers are advertised, so a client sends whichever certificate it has.
     */
    private static final class AcceptUntrusted implements X509TrustManager {
        private final X509TrustManager delegate;

        AcceptUntrusted(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            try {
                delegate.checkClientTrusted(chain, authType);
            } catch (java.security.cert.CertificateException | RuntimeException e) {
                // untrusted, accepted by configuration
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a server context does not check server certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
