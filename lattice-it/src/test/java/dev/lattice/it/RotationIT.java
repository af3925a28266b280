package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certificate rotation under steady load, with real processes: MeshConfig sets a certificate lifetime of one minute
 * (the least allowed), so each proxy renews every 30 s. While three clients keep sending (keep-alive through the
 * gateway, a new connection per request through the gateway, and a new mTLS handshake per request straight to the
 * sidecar's inbound port), both proxies renew at least three times; not one request fails, and the sidecar's inbound
 * port serves each new certificate as it comes.
 */
class RotationIT {
    static final String HOST = "books.example";
    static final int RENEWALS = 3;
    static Mesh mesh;
    static Path dir;
    static int gw;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        int app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-rotation-");
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  identity: {certificateLifetime: 1m}
                  mtls: {mode: STRICT}
                ---
                """ + MtlsIT.booksMesh(gw, app));
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/");
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    /** Each proxy's current certificateExpiry, by proxy id. */
    static Map<String, String> expiries() throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode p : mesh.adminJson("/api/v1/proxies")) {
            if (p.path("certificateExpiry").isTextual()) out.put(p.path("id").asText(), p.path("certificateExpiry").asText());
        }
        return out;
    }

    static int inbound() throws IOException {
        return mesh.inboundPort("sidecar~default~books-v1");
    }

    @Test
    void renewalsUnderLoadFailNoRequest() throws Exception {
        int inbound = inbound();
        MtlsIT.Client web = MtlsIT.client("spiffe://cluster.local/ns/default/sa/web", MtlsIT.root(dir), MtlsIT.rootKey(dir),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Set<BigInteger> servedSerials = ConcurrentHashMap.newKeySet();
        List<Thread> clients = List.of(
                loop("keep-alive via gateway", stop, ok, failures, () -> {
                    var r = Mesh.viaGateway(gw, HOST, "/books/1");
                    return r.statusCode() == 200 ? null : "status " + r.statusCode() + ": " + r.body();
                }),
                loop("new connection via gateway", stop, ok, failures, () -> {
                    try (Socket s = new Socket("127.0.0.1", gw)) {
                        s.setSoTimeout(20_000);
                        s.getOutputStream().write(("GET /books/2 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        String a = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                        return a.startsWith("HTTP/1.1 200") ? null : "answer: " + a;
                    }
                }),
                loop("new mTLS handshake to the sidecar", stop, ok, failures, () -> {
                    MtlsIT.TlsResult r = MtlsIT.tls(inbound, web, "GET /books/3 HTTP/1.1\r\nHost: books\r\nConnection: close\r\n\r\n");
                    if (r.serverChain() != null) servedSerials.add(r.serverChain()[0].getSerialNumber());
                    if (r.failure() != null) return "failure: " + r.failure();
                    return r.answer().startsWith("HTTP/1.1 200") ? null : "answer: " + r.answer();
                }));
        Map<String, Set<String>> seen = new ConcurrentHashMap<>();
        try {
            clients.forEach(Thread::start);
            mesh.await(RENEWALS + " renewals of each proxy", Duration.ofSeconds(200), () -> {
                expiries().forEach((id, e) -> seen.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(e));
                return seen.size() == 2 && seen.values().stream().allMatch(v -> v.size() >= RENEWALS + 1);
            });
        } finally {
            stop.set(true);
            for (Thread t : clients) t.join(30_000);
        }
        System.out.printf("RotationIT: %d requests served, %d failed, expiries seen %s, %d certificates served inbound%n",
                ok.get(), failures.size(), seen, servedSerials.size());
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(ok.get()).as("requests served").isGreaterThan(300);
        // the inbound port served the renewed certificates, not only the first one
        assertThat(servedSerials).as("certificates served on the sidecar's inbound port").hasSizeGreaterThanOrEqualTo(RENEWALS);
        // and what it serves now is still a one-minute certificate of its own identity
        MtlsIT.TlsResult now = MtlsIT.tls(inbound, web);
        java.security.cert.X509Certificate leaf = now.serverChain()[0];
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant())).isLessThanOrEqualTo(Duration.ofMinutes(2));
        assertThat(leaf.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList()).containsExactly(MtlsIT.ID);
    }

    interface Call {
        String run() throws Exception;
    }

    static Thread loop(String name, AtomicBoolean stop, AtomicLong ok, List<String> failures, Call call) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    String bad = call.run();
                    if (bad == null) ok.incrementAndGet();
                    else failures.add(name + " at " + Instant.now() + ": " + bad);
                } catch (Exception e) {
                    failures.add(name + " at " + Instant.now() + ": " + e);
                }
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
