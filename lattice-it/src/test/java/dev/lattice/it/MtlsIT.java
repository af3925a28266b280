package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Mesh mTLS with real processes: a gateway and a sidecar that both got their certificates from the mesh CA. Under
 * PERMISSIVE (the default) the sidecar's inbound port takes plaintext and mTLS on the same port; under STRICT (an
 * MTLSPolicy applied live) plaintext and TLS clients without a trusted certificate get no HTTP answer, while the
 * gateway's mTLS hop keeps working; client certificates from a foreign CA, expired ones and ones of another trust
 * domain are refused, one from the mesh CA is served. The sidecar's certificate carries exactly its SPIFFE ID.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtlsIT {
    static final String HOST = "books.example";
    static final String ID = "spiffe://cluster.local/ns/default/sa/books";
    static Mesh mesh;
    static Path dir;
    static int gw;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        int app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-mtls-");
        Files.writeString(dir.resolve("mesh.yaml"), booksMesh(gw, app));
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/");
    }

    /** A gateway on {@code gw} routing books.example to Service books, served by Workload books-v1 (sa books) on {@code app}. */
    static String booksMesh(int gw, int app) {
        return Mesh.GATEWAY_GW.replace("GW", String.valueOf(gw)) + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: books}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [books.example]
                  rules: [{backendRefs: [{name: books, port: 9080}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: books}
                spec:
                  selector: {app: books}
                  ports: [{name: http, port: 9080, targetPort: http}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: books-v1, labels: {app: books}}
                spec:
                  ports: [{name: http, port: APP}]
                  serviceAccount: books
                  command: [lattice, echo, --port, "APP", --name, books-v1]
                """.replace("APP", String.valueOf(app));
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static int inboundPort() throws IOException {
        return mesh.inboundPort("sidecar~default~books-v1");
    }

    static X509Certificate root() throws Exception {
        return root(dir);
    }

    static PrivateKey rootKey() throws Exception {
        return rootKey(dir);
    }

    /** The mesh root that {@code lattice up DIR} keeps in DIR/.lattice/ca. */
    static X509Certificate root(Path dir) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve(".lattice/ca/root.crt"))));
    }

    static PrivateKey rootKey(Path dir) throws Exception {
        String pem = Files.readString(dir.resolve(".lattice/ca/root.key")).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    }

    /** A client leaf: EC P-256, one URI SAN, signed by {@code issuerKey} under {@code issuer}. */
    record Client(PrivateKey key, X509Certificate cert) {}

    static Client client(String spiffeId, X509Certificate issuer, PrivateKey issuerKey, Instant from, Instant to) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        X500Name issuerName = issuer == null ? new X500Name("CN=foreign") : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(System.nanoTime()),
                Date.from(from), Date.from(to), new X500Name(""), kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey == null ? kp.getPrivate() : issuerKey)));
        return new Client(kp.getPrivate(), cert);
    }

    /** A foreign CA: its own key, signing an otherwise well-formed SVID of the mesh's trust domain. */
    static Client foreign(String spiffeId) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ca = g.generateKeyPair();
        JcaX509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(new X500Name("CN=foreign"), BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), new X500Name("CN=foreign"), ca.getPublic());
        cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(
                cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
        return client(spiffeId, caCert, ca.getPrivate(), Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    /** What a TLS client (with {@code client}'s certificate, or none) gets for a GET on the inbound port. */
    record TlsResult(String answer, X509Certificate[] serverChain, Exception failure) {}

    static TlsResult tls(int port, Client client) throws Exception {
        return tls(port, client, "GET / HTTP/1.1\r\nHost: books\r\nConnection: close\r\n\r\n");
    }

    /** What a TLS client (with {@code client}'s certificate, or none) gets for {@code request}, sent as it is. */
    static TlsResult tls(int port, Client client, String request) throws Exception {
        X509Certificate[][] seen = new X509Certificate[1][];
        TrustManager trustAll = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            public void checkServerTrusted(X509Certificate[] c, String a) {
                seen[0] = c;
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("c", client.key(), new char[0], new X509Certificate[] {client.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {trustAll}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new TlsResult(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1), seen[0], null);
        } catch (IOException e) {
            // a refused client certificate shows as an alert on the first read under TLS 1.3
            return new TlsResult("", seen[0], e);
        }
    }

    static String plaintext(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: books\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Order(1)
    void permissiveTakesPlaintextAndMtlsOnOnePortAndTheCertificateIsExactlyTheSpiffeId() throws Exception {
        int in = inboundPort();
        assertThat(plaintext(in)).startsWith("HTTP/1.1 200").contains("books-v1");
        Client mine = client("spiffe://cluster.local/ns/default/sa/tester", root(), rootKey(),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        TlsResult r = tls(in, mine);
        assertThat(r.failure()).isNull();
        assertThat(r.answer()).startsWith("HTTP/1.1 200").contains("books-v1");
        X509Certificate leaf = r.serverChain()[0];
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        assertThat(sans).hasSize(1);
        List<?> san = sans.iterator().next();
        assertThat(san.get(0)).isEqualTo(6); // URI
        assertThat(san.get(1)).isEqualTo(ID);
        // the chain verifies against the mesh root, with openssl as a person would check it
        Path chain = Files.createTempFile("lattice-leaf-", ".pem");
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : r.serverChain()) {
            pem.append("-----BEGIN CERTIFICATE-----\n").append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        Files.writeString(chain, pem);
        Process p = new ProcessBuilder("openssl", "verify", "-CAfile", dir.resolve(".lattice/ca/root.crt").toString(), chain.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains(": OK");
        Files.delete(chain);
        // and the gateway's hop to the sidecar is mTLS as well (auto mTLS)
        assertThat(Mesh.viaGateway(gw, HOST, "/").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void strictRefusesPlaintextAndUntrustedClientsWhileTheMeshHopWorks() throws Exception {
        Files.writeString(dir.resolve("strict.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: strict, namespace: default}
                spec: {mode: STRICT}
                """);
        int in = inboundPort();
        mesh.await("plaintext refused under STRICT", Duration.ofSeconds(30), () -> plaintext(in).isEmpty());
        // no HTTP answer at all for plaintext, nor for a TLS client without a certificate
        assertThat(plaintext(in)).isEmpty();
        TlsResult none = tls(in, null);
        assertThat(none.answer()).doesNotContain("HTTP/1.1");
        // openssl without a client certificate gets no answer either
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + in, "-tls1_3", "-quiet")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("GET / HTTP/1.1\r\nHost: books\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        p.getOutputStream().flush();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String openssl = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(openssl).doesNotContain("HTTP/1.1 200");

        // foreign CA, expired, another trust domain: refused
        assertThat(tls(in, foreign("spiffe://cluster.local/ns/default/sa/tester")).answer()).doesNotContain("HTTP/1.1");
        assertThat(tls(in, client("spiffe://cluster.local/ns/default/sa/tester", root(), rootKey(),
                Instant.now().minus(Duration.ofHours(2)), Instant.now().minus(Duration.ofHours(1)))).answer()).doesNotContain("HTTP/1.1");
        assertThat(tls(in, client("spiffe://other.example/ns/default/sa/tester", root(), rootKey(),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600))).answer()).doesNotContain("HTTP/1.1");
        // a certificate from the mesh CA is served, and so is the gateway's own hop
        assertThat(tls(in, client("spiffe://cluster.local/ns/default/sa/tester", root(), rootKey(),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600))).answer()).startsWith("HTTP/1.1 200");
        for (int i = 0; i < 20; i++) assertThat(Mesh.viaGateway(gw, HOST, "/").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void disableServesPlaintextAgain() throws Exception {
        Files.writeString(dir.resolve("strict.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: strict, namespace: default}
                spec:
                  targetRefs: [{kind: Workload, name: books-v1}]
                  mode: DISABLE
                """);
        int in = inboundPort();
        mesh.await("plaintext served under DISABLE", Duration.ofSeconds(30), () -> plaintext(in).startsWith("HTTP/1.1 200"));
        // the gateway now speaks plaintext to it (the endpoint lost its mTLS metadata) and is still served
        mesh.await("gateway served", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/").statusCode() == 200);
        TlsResult r = tls(in, null);
        assertThat(r.answer()).doesNotContain("HTTP/1.1 200");
    }
}
