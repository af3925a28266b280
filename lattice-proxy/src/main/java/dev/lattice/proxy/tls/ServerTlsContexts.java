package dev.lattice.proxy.tls;

import dev.lattice.proxy.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * Builds the Netty server {@link SslContext} of a terminating filter chain (JDK provider): every certificate of the
 * {@link TlsConfig} goes into one key manager, which picks by the key type the client accepts (RSA or ECDSA); ALPN
 * offers the configured protocols. Errors are {@link IllegalArgumentException}s naming the certificate index.
 */
public final class ServerTlsContexts {
    private ServerTlsContexts() {}

    public static SslContext build(TlsConfig tls) {
        char[] pw = new char[0];
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
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
                ks.setKeyEntry("cert" + i, key, pw, chain.toArray(X509Certificate[]::new));
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("NewSunX509");
            kmf.init(ks, pw);
            SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.JDK);
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
}
