package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * RateLimitPolicy's local rules through a real {@code lattice up}: a limit with no selector holds its rate within 5%
 * over 10 s under a load well above it, a Distinct header gives each value its own bucket of the same rate, and a
 * rejected request carries 429, Retry-After and the RateLimit-Policy / RateLimit fields.
 */
class RateLimitIT {
    static final String MESH = Mesh.GATEWAY_GW + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - name: one
                matches: [{path: {type: PathPrefix, value: /one}}]
                backendRefs: [{name: echo, port: 80}]
              - name: distinct
                matches: [{path: {type: PathPrefix, value: /distinct}}]
                backendRefs: [{name: echo, port: 80}]
              - name: open
                matches: [{path: {type: PathPrefix, value: /open}}]
                backendRefs: [{name: echo, port: 80}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: RateLimitPolicy
            metadata: {name: one}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: one}]
              local:
                rules:
                - limit: {requests: 20, unit: Second}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: RateLimitPolicy
            metadata: {name: per-user}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: distinct}]
              local:
                rules:
                - clientSelectors: [{headers: [{name: x-user, type: Distinct}]}]
                  limit: {requests: 10, unit: Second}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo}
            spec:
              selector: {app: echo}
              ports: [{port: 80, targetPort: ECHO}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo, labels: {app: echo}}
            spec:
              ports: [{port: ECHO}]
              sidecar: {inject: false}
              command: [lattice, echo, --port, "ECHO", --name, echo]
            """;

    @Test
    void localLimitsHoldTheirRateAndDistinctValuesEachGetABucket() throws Exception {
        int gw = Mesh.freePort(), echo = Mesh.freePort();
        Path dir = Files.createTempDirectory("lattice-ratelimit-");
        Files.writeString(dir.resolve("mesh.yaml"), MESH.replace("GW", String.valueOf(gw)).replace("ECHO", String.valueOf(echo)));
        try (Mesh mesh = Mesh.up(dir)) {
            mesh.awaitProxiesSynced(Duration.ofSeconds(90));
            mesh.awaitRoute(gw, "any.example", "/open");
            // the policies have reached the gateway once /one answers 429 under a burst
            mesh.await("429 on /one", Duration.ofSeconds(60), () -> {
                for (int i = 0; i < 60; i++) if (send(gw, "/one", null).statusCode() == 429) return true;
                return false;
            });
            HttpResponse<String> limited = null;
            for (int i = 0; i < 100 && limited == null; i++) {
                HttpResponse<String> r = send(gw, "/one", null);
                if (r.statusCode() == 429) limited = r;
            }
            assertThat(limited).isNotNull();
            assertThat(limited.headers().firstValue("retry-after")).hasValue("1");
            assertThat(limited.headers().firstValue("ratelimit-policy")).hasValue("\"default/one/0\";q=20;w=1");
            assertThat(limited.headers().firstValue("ratelimit")).hasValue("\"default/one/0\";r=0;t=1");
            assertThat(send(gw, "/open", null).statusCode()).as("a route without a policy is not limited").isEqualTo(200);

            Thread.sleep(1500); // refill every bucket to full (capacity = requests per unit)
            AtomicLong one = new AtomicLong(), alice = new AtomicLong(), bob = new AtomicLong(), other = new AtomicLong();
            long start = System.nanoTime();
            long end = start + Duration.ofSeconds(10).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                threads.add(Thread.ofVirtual().start(() -> hammer(gw, "/one", null, end, one, other)));
                threads.add(Thread.ofVirtual().start(() -> hammer(gw, "/distinct", "alice", end, alice, other)));
                threads.add(Thread.ofVirtual().start(() -> hammer(gw, "/distinct", "bob", end, bob, other)));
            }
            for (Thread t : threads) t.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(other.get()).as("answers other than 200 and 429").isZero();
            // a full bucket (one unit's requests) to start, then the rate
            assertThat((double) one.get()).as("/one 200s").isCloseTo(20 + 20 * seconds, org.assertj.core.data.Percentage.withPercentage(5));
            assertThat((double) alice.get()).as("alice 200s").isCloseTo(10 + 10 * seconds, org.assertj.core.data.Percentage.withPercentage(5));
            assertThat((double) bob.get()).as("bob 200s").isCloseTo(10 + 10 * seconds, org.assertj.core.data.Percentage.withPercentage(5));
        }
    }

    /** Sends requests until {@code end}, counting 200s in {@code ok} and anything but 200 or 429 in {@code other}. */
    private static void hammer(int gw, String path, String user, long end, AtomicLong ok, AtomicLong other) {
        while (System.nanoTime() < end) {
            int s = send(gw, path, user).statusCode();
            if (s == 200) ok.incrementAndGet();
            else if (s != 429) other.incrementAndGet();
        }
    }

    private static HttpResponse<String> send(int gw, String path, String user) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + path))
                    .timeout(Duration.ofSeconds(20)).header("Host", "any.example");
            if (user != null) b.header("x-user", user);
            return Mesh.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
