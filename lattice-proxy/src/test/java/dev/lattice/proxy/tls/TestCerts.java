package dev.lattice.proxy.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed certificates made in the test (BouncyCastle), as PEM in each key encoding the proxy accepts. */
public final class TestCerts {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private TestCerts() {}

    /** A certificate and its key: the chain PEM, and the key as PKCS#8 and as PKCS#1 (RSA) or SEC1 (EC). */
    public record Cert(X509Certificate certificate, KeyPair keys, String certPem, String pkcs8KeyPem, String traditionalKeyPem) {}

    public static Cert selfSigned(String cn, String keyAlgorithm, String... dnsNames) {
        try {
            KeyPair kp;
            String sigAlg;
            if (keyAlgorithm.equals("EC")) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                kp = g.generateKeyPair();
                sigAlg = "SHA256withECDSA";
            } else {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                kp = g.generateKeyPair();
                sigAlg = "SHA256withRSA";
            }
            X500Name name = new X500Name("CN=" + cn);
            Date from = new Date(System.currentTimeMillis() - 3_600_000L);
            Date to = new Date(System.currentTimeMillis() + 86_400_000L);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), from, to, name, kp.getPublic());
            List<GeneralName> sans = new ArrayList<>();
            for (String d : dnsNames) {
                sans.add(new GeneralName(GeneralName.dNSName, d));
            }
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(sigAlg).build(kp.getPrivate())));
            return new Cert(cert, kp, pem(cert), pem(new JcaPKCS8Generator(kp.getPrivate(), null)),
                    keyAlgorithm.equals("EC") ? sec1(kp) : pem(kp.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate for " + cn, e);
        }
    }

    /** "BEGIN EC PRIVATE KEY" as openssl writes it: the named curve inside the SEC1 structure. */
    private static String sec1(KeyPair kp) throws java.io.IOException {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo pki = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pki.parsePrivateKey());
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(
                kp.getPublic().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                spki.getPublicKeyData(), pki.getPrivateKeyAlgorithm().getParameters());
        return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded()));
    }

    private static String pem(Object o) throws java.io.IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    /** A client context that trusts any server certificate (the tests check the certificate themselves). */
    public static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
