package dev.lattice.control.jwks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.lattice.control.RemoteJwks;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class JwksFetcherTest {
    static final String RSA = "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"a\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}";

    @Test
    void refreshFollowsMaxAgeWithinItsBounds() {
        assertThat(JwksFetcher.refresh(List.of())).isEqualTo(Duration.ofHours(1));
        assertThat(JwksFetcher.refresh(List.of("public, max-age=7200"))).isEqualTo(Duration.ofHours(2));
        assertThat(JwksFetcher.refresh(List.of("max-age=1"))).isEqualTo(JwksFetcher.MIN_REFRESH);
        assertThat(JwksFetcher.refresh(List.of("max-age=99999999"))).isEqualTo(JwksFetcher.MAX_REFRESH);
        assertThat(JwksFetcher.refresh(List.of("no-store"))).isEqualTo(JwksFetcher.MIN_REFRESH);
        assertThat(JwksFetcher.refresh(List.of("max-age=soon"))).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void backoffDoublesToItsCap() {
        assertThat(JwksFetcher.backoff(1)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
        assertThat(JwksFetcher.backoff(3)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
        assertThat(JwksFetcher.backoff(40)).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(6));
    }

    @Test
    void onlyAUsableJwksCounts() {
        assertThat(JwksFetcher.compact(RSA)).isEqualTo("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}");
        assertThatThrownBy(() -> JwksFetcher.compact("<html>")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> JwksFetcher.compact("{\"keys\": []}")).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> JwksFetcher.compact("{\"keys\": [{\"kty\": \"oct\", \"k\": \"AA\"}]}"))
                .hasMessageContaining("no signature key");
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void fetchesRetriesKeepsTheLastGoodKeysAndForgets() throws Exception {
        AtomicInteger status = new AtomicInteger(500);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", x -> {
            byte[] b = RSA.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Cache-Control", "max-age=1");
            x.sendResponseHeaders(status.get(), b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        AtomicInteger changes = new AtomicInteger();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
        try (JwksFetcher f = new JwksFetcher(changes::incrementAndGet)) {
            f.want(Set.of(uri));
            assertThat(f.keys()).containsEntry(uri, RemoteJwks.PENDING);
            await("the 500", () -> "HTTP 500".equals(f.keys().get(uri).error()));
            assertThat(f.keys().get(uri).keys()).isNull();
            status.set(200);
            await("the retry", () -> f.keys().get(uri).keys() != null); // after about 1 s
            assertThat(f.keys().get(uri)).isEqualTo(new RemoteJwks(JwksFetcher.compact(RSA), null));
            int seen = changes.get();
            assertThat(seen).isGreaterThanOrEqualTo(2);
            server.stop(0);
            // the next refresh (max-age=1: the 5 s minimum) fails; the keys stay
            await("the failed refresh", () -> f.keys().get(uri).error() != null);
            assertThat(f.keys().get(uri).error()).contains("ConnectException");
            assertThat(f.keys().get(uri).keys()).isEqualTo(JwksFetcher.compact(RSA));
            assertThat(changes.get()).isGreaterThan(seen);
            f.want(Set.of());
            assertThat(f.keys()).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void fetchesOverHttpsWithTheTrustItIsGivenAndFailsClosedWithout() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair kp = g.generateKeyPair();
        org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=jwks-test");
        long now = System.currentTimeMillis();
        org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                name, java.math.BigInteger.valueOf(now), new java.util.Date(now - 3_600_000), new java.util.Date(now + 3_600_000),
                name, kp.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false, new org.bouncycastle.asn1.x509.GeneralNames(
                new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.iPAddress, "127.0.0.1")));
        java.security.cert.X509Certificate cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", kp.getPrivate(), "x".toCharArray(), new java.security.cert.Certificate[] {cert});
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
        javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", cert);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(serverTls));
        server.createContext("/jwks", x -> {
            byte[] body = RSA.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        String uri = "https://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
        try (JwksFetcher trusted = new JwksFetcher(() -> {}, clientTls); JwksFetcher untrusted = new JwksFetcher(() -> {})) {
            trusted.want(Set.of(uri));
            untrusted.want(Set.of(uri));
            await("the https fetch", () -> trusted.keys().get(uri).keys() != null);
            assertThat(trusted.keys().get(uri).keys()).isEqualTo(JwksFetcher.compact(RSA));
            await("the untrusted fetch to fail", () -> untrusted.keys().get(uri).error() != null);
            assertThat(untrusted.keys().get(uri).keys()).isNull();
            assertThat(untrusted.keys().get(uri).error()).containsIgnoringCase("SSL");
        } finally {
            server.stop(0);
        }
    }
}
