package dev.lattice.control.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshCaTest {
    static final Instant NOW = Instant.now();
    static final SpiffeId ID = SpiffeId.forWorkload("cluster.local", "shop", "reviews");

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A PEM CSR for {@code key}, asking for {@code sanUri} when it is not null. */
    static String csr(KeyPair key, String sanUri) throws Exception {
        PKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(new X500Name(""), key.getPublic());
        if (sanUri != null) {
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, sanUri)));
            b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
        }
        return pem(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    /** Runs openssl; returns its exit code and output. */
    static String[] openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void issuesAnSvidWithOneUriSanThatOpensslVerifies(@TempDir Path dir) throws Exception {
        MeshCa ca = MeshCa.createRoot(NOW);
        List<X509Certificate> chain = ca.sign(csr(ec(), null), ID, Duration.ofHours(24), NOW);
        assertThat(chain).hasSize(2);
        X509Certificate leaf = chain.getFirst();
        assertThat(leaf.getSubjectAlternativeNames()).hasSize(1);
        assertThat((List<Object>) List.<Object>copyOf(leaf.getSubjectAlternativeNames().iterator().next()))
                .containsExactly(6, "spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getNotAfter().toInstant()).isBetween(NOW.plus(Duration.ofHours(24)).minusSeconds(1),
                NOW.plus(Duration.ofHours(24)));

        Files.writeString(dir.resolve("root.pem"), ca.rootPem());
        Files.writeString(dir.resolve("leaf.pem"), MeshCa.pem(leaf));
        String[] v = openssl(dir, "verify", "-CAfile", "root.pem", "-purpose", "sslclient", "leaf.pem");
        assertThat(v[1]).contains("leaf.pem: OK");
        assertThat(v[0]).isEqualTo("0");
        String[] san = openssl(dir, "x509", "-in", "leaf.pem", "-noout", "-ext", "subjectAltName");
        assertThat(san[1]).contains("URI:spiffe://cluster.local/ns/shop/sa/reviews").doesNotContain("DNS:");
        // a certificate from another root does not verify
        Files.writeString(dir.resolve("other.pem"), MeshCa.createRoot(NOW).rootPem());
        assertThat(openssl(dir, "verify", "-CAfile", "other.pem", "leaf.pem")[0]).isNotEqualTo("0");
    }

    @Test
    void refusesACsrAskingForAnotherIdentity() throws Exception {
        MeshCa ca = MeshCa.createRoot(NOW);
        assertThat(ca.sign(csr(ec(), ID.toString()), ID, Duration.ofHours(1), NOW)).hasSize(2);
        assertThatThrownBy(() -> ca.sign(csr(ec(), "spiffe://cluster.local/ns/shop/sa/admin"), ID, Duration.ofHours(1), NOW))
                .isInstanceOfSatisfying(MeshCa.CsrException.class, e -> assertThat(e.permission()).isTrue())
                .hasMessageContaining("spiffe://cluster.local/ns/shop/sa/admin");
        assertThatThrownBy(() -> ca.sign("not a csr", ID, Duration.ofHours(1), NOW))
                .isInstanceOfSatisfying(MeshCa.CsrException.class, e -> assertThat(e.permission()).isFalse());
    }

    @Test
    void neverOutlivesTheCa() throws Exception {
        MeshCa ca = MeshCa.createRoot(NOW);
        X509Certificate leaf = ca.sign(csr(ec(), null), ID, Duration.ofDays(100_000), NOW).getFirst();
        assertThat(leaf.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void keepsItsRootAcrossRestartsWithAPrivateKeyFile(@TempDir Path dir) throws Exception {
        MeshCa first = MeshCa.loadOrCreate(dir.resolve("ca"), NOW);
        MeshCa second = MeshCa.loadOrCreate(dir.resolve("ca"), NOW.plusSeconds(60));
        assertThat(second.rootPem()).isEqualTo(first.rootPem());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca/root.key"))))
                .isEqualTo("rw-------");
    }

    @Test
    void anIntermediateServesItsChainUpToTheCorporateRoot(@TempDir Path dir) throws Exception {
        // a corporate root and an intermediate made with openssl, as an operator would
        String conf = "[v3_ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n";
        Files.writeString(dir.resolve("ext.cnf"), conf);
        run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "corp.key",
                "-out", "corp.pem", "-days", "30", "-subj", "/CN=corp root");
        run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "int.key",
                "-out", "int.csr", "-subj", "/CN=mesh intermediate");
        run(dir, "x509", "-req", "-in", "int.csr", "-CA", "corp.pem", "-CAkey", "corp.key", "-CAcreateserial",
                "-out", "int.pem", "-days", "10", "-extfile", "ext.cnf", "-extensions", "v3_ca");
        MeshCa ca = MeshCa.fromPem(Files.readString(dir.resolve("int.pem")) + Files.readString(dir.resolve("corp.pem")),
                Files.readString(dir.resolve("int.key")));
        List<X509Certificate> chain = ca.sign(csr(ec(), null), ID, Duration.ofHours(1), NOW);
        assertThat(chain).hasSize(3);
        assertThat(ca.rootPem()).isEqualTo(MeshCa.pem(MeshCa.parseCertificates(Files.readString(dir.resolve("corp.pem"))).getFirst()));
        Files.writeString(dir.resolve("leaf.pem"), MeshCa.pem(chain.get(0)));
        Files.writeString(dir.resolve("untrusted.pem"), MeshCa.pem(chain.get(1)));
        Files.writeString(dir.resolve("bundle.pem"), ca.rootPem());
        String[] v = openssl(dir, "verify", "-CAfile", "bundle.pem", "-untrusted", "untrusted.pem", "leaf.pem");
        assertThat(v[1]).contains("leaf.pem: OK");
    }

    @Test
    void aBrokenCaIsAProblemNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        MeshCa a = MeshCa.loadOrCreate(dir.resolve("a"), NOW);
        MeshCa.loadOrCreate(dir.resolve("b"), NOW);
        String aCert = Files.readString(dir.resolve("a/root.crt"));
        String bKey = Files.readString(dir.resolve("b/root.key"));
        assertThatThrownBy(() -> MeshCa.fromPem(aCert, bKey)).isInstanceOf(CaException.class)
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> MeshCa.fromPem("garbage", bKey)).isInstanceOf(CaException.class)
                .hasMessageContaining("no PEM CERTIFICATE");
        assertThatThrownBy(() -> MeshCa.fromPem(aCert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(CaException.class).hasMessageContaining("key");
        // a leaf is not a CA
        KeyPair k = ec();
        X509Certificate leaf = a.sign(csr(k, null), ID, Duration.ofHours(1), NOW).getFirst();
        assertThatThrownBy(() -> MeshCa.fromPem(MeshCa.pem(leaf), pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k.getPrivate(), null).generate()))).isInstanceOf(CaException.class)
                .hasMessageContaining("not a CA");
    }

    static void run(Path dir, String... args) throws Exception {
        String[] r = openssl(dir, args);
        assertThat(r[0]).as(String.join(" ", args) + "\n" + r[1]).isEqualTo("0");
    }
}
