package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** PEM checks behind InvalidCertificateRef: what parses is served, anything else is a reason, never an exception. */
class SecretsTest {
    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void keys() throws Exception {
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            byte[] pkcs8 = KeyPairGenerator.getInstance(alg).generateKeyPair().getPrivate().getEncoded();
            assertThat(Secrets.checkKey(pem("PRIVATE KEY", pkcs8))).as(alg).isNull();
        }
        assertThat(Secrets.checkKey(pem("RSA PRIVATE KEY", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}))).isNull();
        assertThat(Secrets.checkKey(pem("PRIVATE KEY", new byte[] {1, 2, 3})))
                .isEqualTo("tls.key does not parse as a PKCS#8 RSA, EC or EdDSA private key");
        assertThat(Secrets.checkKey(pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 1, 0})))
                .contains("encrypted keys are not supported");
        assertThat(Secrets.checkKey("just text")).isEqualTo("tls.key is not a PEM private key");
        assertThat(Secrets.checkKey(null)).isEqualTo("tls.key is missing");
    }

    @Test
    void certificates() throws Exception {
        String golden = Files.readString(Path.of("src/test/resources/golden/tls-http-and-https/input.yaml"));
        Matcher m = Pattern.compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----").matcher(golden);
        assertThat(m.find()).isTrue();
        String cert = m.group().replaceAll("\n\\s+", "\n");
        assertThat(Secrets.checkChain(cert)).isNull();
        assertThat(Secrets.checkChain(cert + "\n" + cert + "\n")).as("a chain of two").isNull();
        assertThat(Secrets.checkChain(cert + "\n" + pem("PRIVATE KEY", new byte[] {0x30, 0}))).isEqualTo("tls.crt: unexpected PEM block PRIVATE KEY");
        assertThat(Secrets.checkChain(pem("CERTIFICATE", "not a certificate".getBytes(StandardCharsets.US_ASCII))))
                .startsWith("tls.crt does not parse as an X.509 certificate");
        assertThat(Secrets.checkChain("no pem here")).isEqualTo("tls.crt is not a PEM certificate");
    }
}
