package dev.lattice.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.TlsConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The provider choice: BoringSSL when netty-tcnative loads (it does on this build's linux-x86_64, the jar is a
 * dependency), the JDK's when {@code -Dlattice.proxy.tls=jdk} asks or the library is missing; and what a terminating
 * chain gets from it (one certificate: the preferred provider; RSA and ECDSA side by side, or a TLS-terminating
 * tcp_proxy relay: the JDK's).
 */
class TlsProvidersTest {
    static final TestCerts.Cert EC = TestCerts.selfSigned("ec.example.org", "EC", "ec.example.org");
    static final TestCerts.Cert RSA = TestCerts.selfSigned("rsa.example.org", "RSA", "rsa.example.org");

    @Test
    void boringSslLoadsFromTheDependency() {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative: %s", OpenSsl.unavailabilityCause()).isTrue();
        assertThat(OpenSsl.versionString()).containsIgnoringCase("BoringSSL");
    }

    @Test
    void openSslIsPickedWhenAvailable() {
        assertThat(TlsProviders.choose(null, true)).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsProviders.choose("", true)).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsProviders.choose("boringssl", true)).isEqualTo(SslProvider.OPENSSL);
    }

    @Test
    void theJdkIsTheFallback() {
        assertThat(TlsProviders.choose(null, false)).isEqualTo(SslProvider.JDK);
        assertThat(TlsProviders.choose("boringssl", false)).isEqualTo(SslProvider.JDK);
    }

    @Test
    void thePropertyForcesTheJdk() {
        assertThat(TlsProviders.choose("jdk", true)).isEqualTo(SslProvider.JDK);
        assertThat(TlsProviders.choose("JDK", true)).isEqualTo(SslProvider.JDK);
    }

    @Test
    void thisProcessUsesBoringSsl() {
        // surefire does not set -Dlattice.proxy.tls
        assertThat(TlsProviders.provider()).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsProviders.name()).isEqualTo("BoringSSL");
        assertThat(MeshIdentity.provider()).isEqualTo("BoringSSL");
    }

    @Test
    void aChainWithOneCertificateIsServedByBoringSsl() {
        TlsConfig one = new TlsConfig(List.of(new TlsConfig.Certificate(EC.certPem(), EC.pkcs8KeyPem())), List.of("http/1.1"), null);
        assertThat(ServerTlsContexts.providerFor(one, false, SslProvider.OPENSSL)).isEqualTo(SslProvider.OPENSSL);
        assertThat(ServerTlsContexts.providerFor(one, false, SslProvider.JDK)).isEqualTo(SslProvider.JDK);
        SslContext ctx = ServerTlsContexts.build(one, SslProvider.OPENSSL);
        assertThat(ctx.isServer()).isTrue();
        assertThat(ctx.getClass().getSimpleName()).contains("OpenSsl");
        SslContext jdk = ServerTlsContexts.build(one, SslProvider.JDK);
        assertThat(jdk.getClass().getSimpleName()).contains("Jdk");
    }

    @Test
    void aChainWithRsaAndEcdsaStaysOnTheJdk() {
        TlsConfig both = new TlsConfig(List.of(new TlsConfig.Certificate(RSA.certPem(), RSA.pkcs8KeyPem()),
                new TlsConfig.Certificate(EC.certPem(), EC.pkcs8KeyPem())), List.of("http/1.1"), null);
        assertThat(ServerTlsContexts.providerFor(both, false, SslProvider.OPENSSL)).isEqualTo(SslProvider.JDK);
        assertThat(ServerTlsContexts.build(both, false).getClass().getSimpleName()).contains("Jdk");
    }

    @Test
    void aTlsTerminatingTcpRelayStaysOnTheJdk() {
        TlsConfig one = new TlsConfig(List.of(new TlsConfig.Certificate(EC.certPem(), EC.pkcs8KeyPem())), List.of(), null);
        assertThat(ServerTlsContexts.providerFor(one, true, SslProvider.OPENSSL)).isEqualTo(SslProvider.JDK);
        assertThat(ServerTlsContexts.build(one, true).getClass().getSimpleName()).contains("Jdk");
        assertThat(ServerTlsContexts.build(one, false).getClass().getSimpleName()).contains("OpenSsl");
    }
}
