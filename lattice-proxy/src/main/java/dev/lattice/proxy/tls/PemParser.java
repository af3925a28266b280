package dev.lattice.proxy.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Inline PEM as xDS carries it: certificate chains ({@code BEGIN CERTIFICATE}, leaf first) and private keys, RSA or
 * ECDSA, as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}). Errors are {@link IllegalArgumentException}s saying what was wrong; callers add the
 * place.
 */
public final class PemParser {
    private PemParser() {}

    /** The certificates of a PEM chain, in order; at least one. */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder h)) {
                    throw new IllegalArgumentException("expected only CERTIFICATE blocks, found " + kind(o));
                }
                X509Certificate c = conv.getCertificate(h);
                out.add(c);
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | CertificateException | RuntimeException e) {
            // BouncyCastle reports bad base64 or DER as runtime exceptions
            throw new IllegalArgumentException("not a valid PEM certificate chain: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no BEGIN CERTIFICATE block found");
        }
        return List.copyOf(out);
    }

    /** The one private key of {@code pem} (RSA or EC; PKCS#8, PKCS#1 or SEC1). */
    public static PrivateKey privateKey(String pem) {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        PrivateKey key = null;
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                PrivateKey k;
                if (o instanceof PEMKeyPair kp) {
                    k = conv.getPrivateKey(kp.getPrivateKeyInfo());
                } else if (o instanceof PrivateKeyInfo info) {
                    k = conv.getPrivateKey(info);
                } else if (o instanceof org.bouncycastle.asn1.x9.X9ECParameters
                        || o instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier) {
                    continue; // "BEGIN EC PARAMETERS" in front of a SEC1 key
                } else {
                    throw new IllegalArgumentException("expected a private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
                            + " or BEGIN EC PRIVATE KEY), found " + kind(o));
                }
                if (key != null) {
                    throw new IllegalArgumentException("more than one private key");
                }
                key = k;
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid PEM private key: " + e.getMessage(), e);
        }
        if (key == null) {
            throw new IllegalArgumentException("no private key found (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
                    + " or BEGIN EC PRIVATE KEY)");
        }
        if (!key.getAlgorithm().equals("RSA") && !key.getAlgorithm().equals("EC")) {
            throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm() + " (RSA or EC)");
        }
        return key;
    }

    /** Throws when {@code key} is not the private half of {@code cert}'s public key. */
    public static void checkKeyMatches(PrivateKey key, X509Certificate cert) {
        PublicKey pub = cert.getPublicKey();
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("the private key is " + key.getAlgorithm()
                    + " but the certificate's public key is " + pub.getAlgorithm());
        }
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] probe = "lattice key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IllegalArgumentException("the private key does not match the certificate "
                        + cert.getSubjectX500Principal().getName());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key does not match the certificate "
                    + cert.getSubjectX500Principal().getName() + ": " + e.getMessage(), e);
        }
    }

    private static String kind(Object o) {
        return o.getClass().getSimpleName();
    }
}
