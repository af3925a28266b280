package dev.lattice.proxy.it;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.ProxyOptions;
import dev.lattice.proxy.ProxyServer;
import dev.lattice.testkit.EchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retry policies as the Gateway API translator writes them, against the echo's retry simulation
 * ({@code succeedAfter}, {@code uuid}, {@code responseCode}, {@code delayRetry}; without a responseCode a failed
 * attempt is a TCP reset). One event loop, so every request shares one connection pool.
 */
class RetryPolicyIT {
    @TempDir
    static Path dir;
    static EchoServer echo;
    static ProxyServer proxy;
    static int port;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        echo = EchoServer.start(0, "echo", "default");
        String json = bootstrap(List.of(listener("gw", 0, false,
                        vhost("all", List.of("*"),
                                // retry: {attempts: 3} (no codes): resets and connect failures
                                route("resets", "\"path_separated_prefix\": \"/resets\"", "\"route\": {\"cluster\": \"svc\","
                                        + " \"timeout\": \"0s\", \"retry_policy\": {\"retry_on\": \"retriable-status-codes,connect-failure,reset\","
                                        + " \"num_retries\": 3}}"),
                                // retry: {codes: [500], attempts: 5}, timeouts: {request: 400ms, backendRequest: 200ms}
                                route("budget", "\"path_separated_prefix\": \"/budget\"", "\"route\": {\"cluster\": \"svc\","
                                        + " \"timeout\": \"0.4s\", \"retry_policy\": {\"retry_on\": \"retriable-status-codes,connect-failure,reset\","
                                        + " \"num_retries\": 5, \"retriable_status_codes\": [500], \"per_try_timeout\": \"0.2s\"}}")))),
                List.of(cluster("svc", echo.port())));
        Path boot = dir.resolve("bootstrap.json");
        Files.writeString(boot, json);
        proxy = ProxyServer.start(new ProxyOptions(null, "gateway~default~retry", 0, 1, boot, Map.of()));
        port = proxy.listenerPort("gw");
        client = ProxyFixture.http1();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (client != null) {
            client.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long attempts(String uuid) {
        return echo.requests().stream().filter(j -> j.path("path").asText().endsWith("uuid=" + uuid)).count();
    }

    /** Leaves {@code n} idle upstream connections in the pool: n concurrent slow requests. */
    private static void warmPool(int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/resets/warm?delay=300ms"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void resetsAreRetriedExactlyNumRetriesTimesEvenOnPooledConnections() throws Exception {
        for (int round = 0; round < 3; round++) {
            // pooled connections for every attempt: the last reset must not buy a free extra attempt
            warmPool(6);
            String fail = UUID.randomUUID().toString();
            HttpResponse<String> r = get("/resets/x?succeedAfter=4&uuid=" + fail);
            assertThat(r.statusCode()).as("round " + round + ": " + r.body()).isEqualTo(503);
            assertThat(attempts(fail)).isEqualTo(4);
            warmPool(6);
            String ok = UUID.randomUUID().toString();
            assertThat(get("/resets/x?succeedAfter=3&uuid=" + ok).statusCode()).isEqualTo(200);
            assertThat(attempts(ok)).isEqualTo(4);
        }
    }

    @Test
    void theRequestTimeoutCoversEveryRetry() throws Exception {
        String ok = UUID.randomUUID().toString();
        assertThat(get("/budget/x?responseCode=500&succeedAfter=1&uuid=" + ok).statusCode()).isEqualTo(200);
        assertThat(attempts(ok)).isEqualTo(2);
        // four failures of 100 ms each do not fit in 400 ms: 504 although a fifth attempt would succeed
        String slow = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        assertThat(get("/budget/x?responseCode=500&succeedAfter=4&delayRetry=100ms&uuid=" + slow).statusCode())
                .isEqualTo(504);
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofMillis(1500).toNanos());
        // an attempt cut by the 200 ms per-try timeout is retried; here every attempt is too slow: 504
        String cut = UUID.randomUUID().toString();
        assertThat(get("/budget/x?responseCode=500&succeedAfter=9&delayRetry=300ms&uuid=" + cut).statusCode())
                .isEqualTo(504);
        assertThat(attempts(cut)).isEqualTo(2);
    }
}
