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
}
