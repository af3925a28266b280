package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input is reported with its place, and never takes down the rest. */
class BadInputIT {
    static final String BROKEN_ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: broken
              namespace: default
            spec:
              parentRefs: [{name: bookstore}]
              rules:
              - backendRefs:
                - name: reviews
            """;

    @Test
    void validateNamesFileLineObjectAndField() throws Exception {
        Mesh.Result good = Mesh.run("validate", Mesh.repo().resolve("examples/bookstore").toString());
        assertThat(good.exit()).as(good.output()).isZero();

        Path dir = Mesh.copy(Mesh.repo().resolve("examples/bookstore"), Map.of());
        Files.writeString(dir.resolve("bad-route.yaml"), BROKEN_ROUTE);
        Files.writeString(dir.resolve("bad-syntax.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n");
        Mesh.Result r = Mesh.run("validate", dir.toString());
        assertThat(r.exit()).as(r.output()).isNotZero();
        // the backendRef without a port is on line 10
        assertThat(r.output()).containsPattern(
                "bad-route\\.yaml:1[01]: HTTPRoute default/broken: spec\\.rules\\[0\\]\\.backendRefs\\[0\\]\\.port: \\S.*");
        assertThat(r.output()).containsPattern("bad-syntax\\.yaml:\\d+: .+");
    }

    @Test
    void aBrokenFileKeepsTheLastGoodConfigWhileOtherFilesApply() throws Exception {
        int gw = Mesh.freePort();
        Path dir = Mesh.bookstore(gw, Map.of());
        try (Mesh mesh = Mesh.up(dir)) {
            mesh.awaitRoute(gw, "bookstore.example", "/books");
            // break routes.yaml (a YAML syntax error) and, at the same time, add a good file
            Files.writeString(dir.resolve("routes.yaml"), Files.readString(dir.resolve("routes.yaml")) + "\n  - {broken: [\n");
            Files.writeString(dir.resolve("more.yaml"), """
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: more, namespace: default}
                    spec:
                      parentRefs: [{name: bookstore}]
                      hostnames: [bookstore.example]
                      rules:
                      - matches: [{path: {type: PathPrefix, value: /more}}]
                        backendRefs: [{name: ratings, port: 9080}]
                    """);
            mesh.await("the good file to apply", Duration.ofSeconds(30),
                    () -> Mesh.viaGateway(gw, "bookstore.example", "/more").statusCode() == 200);
            // the broken file's last good routes still serve
            for (int i = 0; i < 20; i++) {
                assertThat(Mesh.viaGateway(gw, "bookstore.example", "/books").statusCode()).isEqualTo(200);
                assertThat(Mesh.viaGateway(gw, "bookstore.example", "/reviews").statusCode()).isEqualTo(200);
            }
            mesh.await("the problem to be reported", Duration.ofSeconds(10),
                    () -> mesh.admin("/api/v1/problems").body().contains("routes.yaml"));
            assertThat(mesh.output()).contains("routes.yaml:");
            assertThat(mesh.alive()).isTrue();
        }
    }
}
