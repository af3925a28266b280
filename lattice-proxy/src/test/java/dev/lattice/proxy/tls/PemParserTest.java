package dev.lattice.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.config.TlsConfig;
import java.security.PrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemParserTest {
    static final TestCerts.Cert RSA = TestCerts.selfSigned("rsa.example.com", "RSA", "rsa.example.com");
    static final TestCerts.Cert EC = TestCerts.selfSigned("ec.example.com", "EC", "ec.example.com");

    @Test
    void rsaKeysAsPkcs1AndPkcs8() {
        assertThat(RSA.traditionalKeyPem()).contains("BEGIN RSA PRIVATE KEY");
        assertThat(RSA.pkcs8KeyPem()).contains("BEGIN PRIVATE KEY");
        PrivateKey k1 = PemParser.privateKey(RSA.traditionalKeyPem());
        PrivateKey k8 = PemParser.privateKey(RSA.pkcs8KeyPem());
        assertThat(k1.getAlgorithm()).isEqualTo("RSA");
        assertThat(k8.getEncoded()).isEqualTo(RSA.keys().getPrivate().getEncoded());
        PemParser.checkKeyMatches(k1, RSA.certificate());
        PemParser.checkKeyMatches(k8, RSA.certificate());
    }

    @Test
    void ecKeysAsSec1AndPkcs8() {
        assertThat(EC.traditionalKeyPem()).contains("BEGIN EC PRIVATE KEY");
        PrivateKey k1 = PemParser.privateKey(EC.traditionalKeyPem());
        PrivateKey k8 = PemParser.privateKey(EC.pkcs8KeyPem());
        assertThat(k1.getAlgorithm()).isEqualTo("EC");
        PemParser.checkKeyMatches(k1, EC.certificate());
        PemParser.checkKeyMatches(k8, EC.certificate());
    }

    @Test
    void certificateChainInOrder() {
        assertThat(PemParser.certificates(RSA.certPem() + EC.certPem()))
                .extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=rsa.example.com", "CN=ec.example.com");
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertThatThrownBy(() -> PemParser.certificates("garbage"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no BEGIN CERTIFICATE");
        assertThatThrownBy(() -> PemParser.certificates(RSA.pkcs8KeyPem()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected only CERTIFICATE");
        assertThatThrownBy(() -> PemParser.privateKey(RSA.certPem()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a private key");
        assertThatThrownBy(() -> PemParser.privateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
        PrivateKey other = PemParser.privateKey(TestCerts.selfSigned("x", "RSA").pkcs8KeyPem());
        assertThatThrownBy(() -> PemParser.checkKeyMatches(other, RSA.certificate()))
                .hasMessageContaining("does not match the certificate CN=rsa.example.com");
        assertThatThrownBy(() -> PemParser.checkKeyMatches(PemParser.privateKey(EC.pkcs8KeyPem()), RSA.certificate()))
                .hasMessageContaining("the private key is EC but the certificate's public key is RSA");
    }

    @Test
    void serverContextWithRsaAndEcdsaAndAlpn() {
        var ctx = ServerTlsContexts.build(new TlsConfig(List.of(
                new TlsConfig.Certificate(RSA.certPem(), RSA.traditionalKeyPem()),
                new TlsConfig.Certificate(EC.certPem(), EC.traditionalKeyPem())), List.of("h2", "http/1.1")));
        assertThat(ctx.isServer()).isTrue();
        assertThat(ctx.applicationProtocolNegotiator().protocols()).containsExactly("h2", "http/1.1");
        assertThatThrownBy(() -> ServerTlsContexts.build(new TlsConfig(List.of(
                new TlsConfig.Certificate(RSA.certPem(), RSA.traditionalKeyPem()),
                new TlsConfig.Certificate(EC.certPem(), RSA.pkcs8KeyPem())), List.of())))
                .hasMessageStartingWith("tls_certificates[1]: the private key is RSA");
    }
}
