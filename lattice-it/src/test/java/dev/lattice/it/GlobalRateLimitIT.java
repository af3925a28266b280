package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lattice.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

/**
 * RateLimitPolicy's global rules through a real {@code lattice up} and a real {@code redis-server} started here on a
 * free port: one HTTPRoute attached to two Gateways (two proxies), a global limit held within 5% over 10 s while both
 * are loaded at once; Redis killed: failureMode Open passes, Closed answers 503 for its rule only while a route
 * without a policy is served; Redis started again on the same port: the proxies reconnect and limit again by
 * themselves. The mesh is examples/global-rate-limit, the worked example of docs/security.md, run as written (ports
 * moved to free ones).
 */
class GlobalRateLimitIT {
    @Test
    void oneCountAcrossTwoGatewaysFailureModesAndRecovery() throws Exception {
        assumeTrue(RedisServer.available() || System.getenv("CI") != null, "redis-server is not installed");
        int a = Mesh.freePort(), b = Mesh.freePort(), echo = Mesh.freePort();
        try (RedisServer redis = RedisServer.start()) {
            Path dir = Mesh.copy(Mesh.repo().resolve("examples/global-rate-limit"), Map.of(
                    "\"127.0.0.1:6379\"", "\"" + redis.address() + "\"", // each key in its context: no value holds another key
                    "port: 8081}", "port: " + a + "}", "port: 8082}", "port: " + b + "}",
                    ": 19081}", ": " + echo + "}", "\"19081\"", "\"" + echo + "\""));
            try (Mesh mesh = Mesh.up(dir)) {
                mesh.awaitProxiesSynced(Duration.ofSeconds(90));
                mesh.awaitRoute(a, "any.example", "/plain");
                mesh.awaitRoute(b, "any.example", "/plain");
                for (int gw : new int[] {a, b}) {
                    mesh.await("429 on /shared at " + gw, Duration.ofSeconds(60), () -> {
                        for (int i = 0; i < 100; i++) if (send(gw, "/shared").statusCode() == 429) return true;
                        return false;
                    });
                }
                HttpResponse<String> limited = null;
                for (int i = 0; i < 100 && limited == null; i++) {
                    HttpResponse<String> r = send(b, "/shared");
                    if (r.statusCode() == 429) limited = r;
                }
                assertThat(limited).isNotNull();
                assertThat(limited.headers().firstValue("retry-after")).hasValue("1");
                assertThat(limited.headers().firstValue("ratelimit-policy")).hasValue("\"default/shared/global/0\";q=40;w=1");
                assertThat(limited.headers().firstValue("ratelimit")).hasValue("\"default/shared/global/0\";r=0;t=1");

                // (1) both Gateways loaded at once: one count of 40/s between them
                Thread.sleep(1500); // the bucket full again (capacity = one second's requests)
                AtomicLong okA = new AtomicLong(), okB = new AtomicLong(), other = new AtomicLong();
                long start = System.nanoTime();
                long end = start + Duration.ofSeconds(10).toNanos();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    threads.add(Thread.ofVirtual().start(() -> hammer(a, "/shared", end, okA, other)));
                    threads.add(Thread.ofVirtual().start(() -> hammer(b, "/shared", end, okB, other)));
                }
                for (Thread t : threads) t.join();
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("GlobalRateLimitIT: %.2f s, 200s gw-a %d + gw-b %d = %d, expected %.0f (40 + 40/s)%n",
                        seconds, okA.get(), okB.get(), okA.get() + okB.get(), 40 + 40 * seconds);
                assertThat(other.get()).as("answers other than 200 and 429").isZero();
                assertThat(okA.get()).as("gw-a served some").isPositive();
                assertThat(okB.get()).as("gw-b served some").isPositive();
                assertThat((double) (okA.get() + okB.get())).as("200s of both Gateways together (a: %d, b: %d)", okA.get(), okB.get())
                        .isCloseTo(40 + 40 * seconds, Percentage.withPercentage(5));

                // (2) Redis gone: Open passes, Closed answers 503 for its rule only, other traffic is served
                redis.stop();
                for (int gw : new int[] {a, b}) {
                    mesh.await("503 on /strict at " + gw, Duration.ofSeconds(20), () -> send(gw, "/strict").statusCode() == 503);
                }
                for (int gw : new int[] {a, b}) {
                    for (int i = 0; i < 20; i++) {
                        long t0 = System.nanoTime();
                        assertThat(send(gw, "/strict").statusCode()).as("Closed").isEqualTo(503);
                        assertThat(send(gw, "/shared").statusCode()).as("Open").isEqualTo(200);
                        assertThat(send(gw, "/plain").statusCode()).as("no policy").isEqualTo(200);
                        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("no request hangs").isLessThan(Duration.ofSeconds(2));
                    }
                }
                String stats = stats(mesh, "gateway~default~gw-a");
                assertThat(stats).containsPattern("lattice_ratelimit_requests_total\\{decision=\"failure\",policy=\"default/strict\",rule=\"global/0\"\\} [1-9]");
                assertThat(stats).containsPattern("lattice_ratelimit_requests_total\\{decision=\"failure_mode_allowed\",policy=\"default/shared\",rule=\"global/0\"\\} [1-9]");
                assertThat(stats).containsPattern("lattice_ratelimit_requests_total\\{decision=\"over_limit\",policy=\"default/shared\",rule=\"global/0\"\\} [1-9]");

                // (3) Redis back on the same port: the proxies reconnect by themselves and limit again
                redis.startAgain();
                for (int gw : new int[] {a, b}) {
                    mesh.await("/strict served again at " + gw, Duration.ofSeconds(30), () -> send(gw, "/strict").statusCode() == 200);
                    mesh.await("/shared limited again at " + gw, Duration.ofSeconds(30), () -> {
                        for (int i = 0; i < 100; i++) if (send(gw, "/shared").statusCode() == 429) return true;
                        return false;
                    });
                }
                assertThat(redis.command("DBSIZE")).as("the counts are in this Redis").isNotEqualTo(":0");
            }
        }
    }

    private static String stats(Mesh mesh, String proxy) throws Exception {
        return mesh.proxyAdmin(proxy, "/stats/prometheus");
    }

    private static void hammer(int gw, String path, long end, AtomicLong ok, AtomicLong other) {
        while (System.nanoTime() < end) {
            int s = send(gw, path).statusCode();
            if (s == 200) ok.incrementAndGet();
            else if (s != 429) other.incrementAndGet();
        }
    }

    private static HttpResponse<String> send(int gw, String path) {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + path))
                    .timeout(Duration.ofSeconds(20)).header("Host", "any.example").build();
            return Mesh.HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
