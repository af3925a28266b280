package dev.lattice.control.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.ASN1Encodable;

/**
 * The mesh CA: a CA certificate and its key (a root the control plane made, or a root or intermediate the user
 * gave), and the chain above it. It signs X.509-SVIDs and nothing else: a leaf whose only identity is one URI
 * SAN (the SPIFFE ID), CA:false, for TLS client and server use, never outliving the CA. BouncyCastle does the
 * ASN.1 and the JDK the signatures; no crypto is written here. Immutable: a new CA is a new object.
 */
public final class MeshCa {
    /** Lifetime of a root the control plane makes itself. */
    public static final Duration ROOT_LIFETIME = Duration.ofDays(3650);
    /** Leaf certificates start this much before now, for clocks a little behind. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate cert;
    private final PrivateKey key;
    /** The certificates above {@link #cert}, nearest first (empty for a root). */
    private final List<X509Certificate> above;

    private MeshCa(X509Certificate cert, PrivateKey key, List<X509Certificate> above) {
        this.cert = cert;
        this.key = key;
        this.above = List.copyOf(above);
    }

    /**
     * The CA kept in {@code dir} ({@code root.crt}, {@code root.key}), made there first if absent: an EC P-256
     * root valid for {@link #ROOT_LIFETIME}. The key file is readable by its owner only.
     */
    public static MeshCa loadOrCreate(Path dir, Instant now) throws CaException {
        requireNonNull(dir, "dir");
        Path crt = dir.resolve("root.crt");
        Path keyFile = dir.resolve("root.key");
        try {
            if (Files.exists(crt) && Files.exists(keyFile)) {
                return fromPem(Files.readString(crt), Files.readString(keyFile));
            }
            MeshCa ca = createRoot(now);
            Files.createDirectories(dir);
            writeAtomically(keyFile, ca.keyPem(), true);
            writeAtomically(crt, pem(ca.cert), false);
            return ca;
        } catch (IOException e) {
            throw new CaException("CA state in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: keep its defaults
        }
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A new self-signed EC P-256 root. */
    public static MeshCa createRoot(Instant now) {
        try {
            KeyPair kp = ecKeyPair();
            X500Name name = new X500Name("O=Lattice,CN=Lattice mesh root");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(ROOT_LIFETIME)), name, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new MeshCa(sign(b, kp.getPrivate()), kp.getPrivate(), List.of());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a root CA: " + e, e);
        }
    }

    /**
     * A CA from PEM: {@code certsPem} holds the CA certificate first, then (for an intermediate) the
     * certificates above it up to the root; {@code keyPem} the CA's private key (PKCS#8, or SEC1/PKCS#1). A CA
     * that does not parse, is not a CA, does not match its key or is expired is a {@link CaException}.
     */
    public static MeshCa fromPem(String certsPem, String keyPem) throws CaException {
        requireNonNull(certsPem, "certsPem");
        requireNonNull(keyPem, "keyPem");
        List<X509Certificate> certs = parseCertificates(certsPem);
        if (certs.isEmpty()) throw new CaException("the CA certificate holds no PEM CERTIFICATE block");
        PrivateKey key = parsePrivateKey(keyPem);
        X509Certificate ca = certs.getFirst();
        if (ca.getBasicConstraints() < 0) {
            throw new CaException("the certificate " + ca.getSubjectX500Principal().getName()
                    + " is not a CA (basicConstraints CA:false)");
        }
        boolean[] ku = ca.getKeyUsage();
        if (ku != null && !ku[5]) throw new CaException("the CA certificate's keyUsage lacks keyCertSign");
        if (!matches(key, ca.getPublicKey())) throw new CaException("the CA key does not match the CA certificate");
        for (int i = 0; i + 1 < certs.size(); i++) {
            try {
                certs.get(i).verify(certs.get(i + 1).getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new CaException("certificate " + (i + 1) + " of the CA chain is not signed by the next one");
            }
        }
        return new MeshCa(ca, key, certs.subList(1, certs.size()));
    }

    /** The X.509 certificates in {@code pem}, in order; anything else there is skipped. */
    public static List<X509Certificate> parseCertificates(String pem) throws CaException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (Object o; (o = p.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder h) out.add(new JcaX509CertificateConverter().getCertificate(h));
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new CaException("the certificate PEM does not parse: " + e.getMessage(), e);
        }
        return out;
    }

    private static PrivateKey parsePrivateKey(String pem) throws CaException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            for (Object o; (o = p.readObject()) != null; ) {
                if (o instanceof PEMKeyPair kp) return conv.getPrivateKey(kp.getPrivateKeyInfo());
                if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) return conv.getPrivateKey(info);
            }
        } catch (IOException | RuntimeException e) {
            throw new CaException("the CA key PEM does not parse: " + e.getMessage(), e);
        }
        throw new CaException("the CA key holds no unencrypted PEM private key");
    }

    private static boolean matches(PrivateKey key, PublicKey pub) {
        try {
            String alg = pub instanceof ECPublicKey ? "SHA256withECDSA" : pub instanceof RSAPublicKey ? "SHA256withRSA" : null;
            if (alg == null) return false;
            byte[] probe = "lattice-ca-key-check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Why a CSR cannot be signed; {@link #permission} tells a wrong identity from a bad request. */
    public static final class CsrException extends Exception {
        private final boolean permission;

        CsrException(String message, boolean permission) {
            super(message);
            this.permission = permission;
        }

        public boolean permission() {
            return permission;
        }
    }

    /**
     * Signs {@code csrPem} for {@code id}, valid from a minute before {@code now} for {@code lifetime} (never
     * past the CA's own end). The CSR's signature must verify and its key be EC P-256/P-384 or RSA of at least
     * 2048 bits; a SAN it asks for must be exactly {@code id} (one URI, nothing else). Returns the chain, leaf
     * first, root last.
     */
    public List<X509Certificate> sign(String csrPem, SpiffeId id, Duration lifetime, Instant now) throws CsrException {
        requireNonNull(csrPem, "csrPem");
        requireNonNull(id, "id");
        PKCS10CertificationRequest csr = parseCsr(csrPem);
        PublicKey pub;
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new CsrException("the CSR's signature does not verify", false);
            }
            pub = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
        } catch (OperatorCreationException | PKCSException | IOException | RuntimeException e) {
            throw new CsrException("the CSR's key or signature cannot be read: " + e.getMessage(), false);
        }
        checkKey(pub);
        checkRequestedSans(csr, id);
        Instant notBefore = now.minus(BACKDATE);
        Instant notAfter = now.plus(lifetime);
        Instant caEnd = cert.getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) notAfter = caEnd;
        if (!notAfter.isAfter(now)) throw new CsrException("the CA has expired (" + caEnd + ")", false);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("O=" + id.trustDomain()), pub)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString())))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(sign(b, key));
            chain.add(cert);
            chain.addAll(above);
            return chain;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign: " + e, e);
        }
    }

    private static PKCS10CertificationRequest parseCsr(String pem) throws CsrException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            if (o instanceof PKCS10CertificationRequest r) return r;
        } catch (IOException | RuntimeException e) {
            throw new CsrException("the CSR does not parse: " + e.getMessage(), false);
        }
        throw new CsrException("the CSR holds no PEM CERTIFICATE REQUEST block", false);
    }

    private static void checkKey(PublicKey pub) throws CsrException {
        if (pub instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384) throw new CsrException("EC keys must be P-256 or P-384, got " + bits + " bits", false);
        } else if (pub instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new CsrException("RSA keys must have at least 2048 bits", false);
            }
        } else {
            throw new CsrException("the CSR's key must be EC or RSA, got " + pub.getAlgorithm(), false);
        }
    }

    private static void checkRequestedSans(PKCS10CertificationRequest csr, SpiffeId id) throws CsrException {
        for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable v : a.getAttributeValues()) {
                Extensions exts = Extensions.getInstance(v);
                GeneralNames names = GeneralNames.fromExtensions(exts, Extension.subjectAlternativeName);
                if (names == null) continue;
                for (GeneralName n : names.getNames()) {
                    if (n.getTagNo() != GeneralName.uniformResourceIdentifier
                            || !id.toString().equals(n.getName().toString())) {
                        throw new CsrException("the CSR asks for " + n.getName() + "; this token may only get " + id,
                                true);
                    }
                }
            }
        }
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            ContentSigner signer = new JcaContentSignerBuilder(alg).build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** The CA's own certificate. */
    public X509Certificate certificate() {
        return cert;
    }

    /**
     * The trust anchor proxies verify against: the top of the chain (the root; the CA itself when it was given
     * without the certificates above it).
     */
    public X509Certificate root() {
        return above.isEmpty() ? cert : above.getLast();
    }

    public String rootPem() {
        return pem(root());
    }

    /** The key as PKCS#8 PEM ({@code PRIVATE KEY}). */
    private String keyPem() {
        try {
            return pemObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One certificate as PEM. */
    public static String pem(X509Certificate c) {
        return pemObject(c);
    }

    private static String pemObject(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
