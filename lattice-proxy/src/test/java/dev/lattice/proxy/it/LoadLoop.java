package dev.lattice.proxy.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Steady keep-alive load from a few threads; records every failure and who answered. */
final class LoadLoop implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final Map<String, AtomicLong> answeredBy = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    LoadLoop(int threadCount, int port, String host) {
        for (int t = 0; t < threadCount; t++) {
            HttpClient client = ProxyFixture.http1();
            Thread th = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/load"))
                                .timeout(Duration.ofSeconds(10));
                        if (host != null) {
                            b.header("Host", host);
                        }
                        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            failures.add("status " + r.statusCode() + ": " + r.body());
                        } else {
                            ok.incrementAndGet();
                            answeredBy.computeIfAbsent(ProxyFixture.json(r.body()).get("name").asText(), k -> new AtomicLong())
                                    .incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            threads.add(th);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
