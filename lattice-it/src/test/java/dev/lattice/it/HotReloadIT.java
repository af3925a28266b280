package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Editing, adding and deleting files under DIR while `lattice up` serves steady load fails no request. */
class HotReloadIT {
    static final String HOST = "bookstore.example";

    @Test
    void editsAddsAndDeletesApplyUnderLoadWithZeroFailedRequests() throws Exception {
        int gw = Mesh.freePort();
        Path dir = Mesh.bookstore(gw, Map.of());
        try (Mesh mesh = Mesh.up(dir, "--proxy-threads", "1")) {
            mesh.awaitRoute(gw, HOST, "/books");
            mesh.awaitRoute(gw, HOST, "/ratings");
            mesh.await("both reviews versions", Duration.ofSeconds(60), () -> {
                var seen = new java.util.HashSet<String>();
                for (int i = 0; i < 40; i++) seen.add(BookstoreIT.name(Mesh.viaGateway(gw, HOST, "/reviews")));
                return seen.size() == 2;
            });

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> lastReviews = new ConcurrentLinkedQueue<>();
            List<Thread> loaders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                loaders.add(Thread.ofPlatform().start(() -> {
                    // each loader has its own keep-alive connection(s)
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    String path = id % 2 == 0 ? "/reviews" : "/books";
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + path))
                                    .header("Host", HOST).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200) failures.add(path + " -> " + r.statusCode() + " " + r.body());
                            else {
                                ok.incrementAndGet();
                                if (path.equals("/reviews")) {
                                    lastReviews.add(Mesh.JSON.readTree(r.body()).path("name").asText());
                                    while (lastReviews.size() > 50) lastReviews.poll();
                                }
                            }
                        } catch (Exception e) {
                            failures.add(path + " -> " + e);
                        }
                    }
                }));
            }
            try {
                Thread.sleep(1000);
                // 1. edit: move all of the canary to v2
                Path routes = dir.resolve("routes.yaml");
                Files.writeString(routes, Files.readString(routes).replace("weight: 80", "weight: 0").replace("weight: 20", "weight: 100"));
                mesh.await("all reviews on v2", Duration.ofSeconds(30),
                        () -> lastReviews.size() >= 50 && lastReviews.stream().allMatch("reviews-v2"::equals));
                // 2. add a file with a new route
                Path added = dir.resolve("new-route.yaml");
                Files.writeString(added, """
                        apiVersion: gateway.networking.k8s.io/v1
                        kind: HTTPRoute
                        metadata: {name: new-route, namespace: default}
                        spec:
                          parentRefs: [{name: bookstore}]
                          hostnames: [bookstore.example]
                          rules:
                          - matches: [{path: {type: PathPrefix, value: /new}}]
                            backendRefs: [{name: ratings, port: 9080}]
                        """);
                mesh.await("the added route", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/new").statusCode() == 200);
                // 3. delete it again
                Files.delete(added);
                mesh.await("the deleted route gone", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/new").statusCode() == 404);
                Thread.sleep(1000);
            } finally {
                stop.set(true);
                for (Thread t : loaders) t.join(15_000);
            }
            assertThat(failures).as("failed requests during reload").isEmpty();
            assertThat(ok.get()).as("requests served during reload").isGreaterThan(100);
        }
    }
}
