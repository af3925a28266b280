package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A proxy that gets a resource it cannot use NACKs it, keeps serving its last good config, and the reason shows in
 * `lattice status`. The resource here is a Gateway listener on a port that another process holds.
 */
class NackIT {
    @Test
    void aListenerThatCannotBindIsNackedAndTheRestKeepsServing() throws Exception {
        int gw = Mesh.freePort(), app = Mesh.freePort();
        Path dir = Files.createTempDirectory("lattice-nack-");
        Files.writeString(dir.resolve("mesh.yaml"), (Mesh.GATEWAY_GW + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  rules: [{backendRefs: [{name: app, port: 80}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: app}
                spec:
                  selector: {app: app}
                  ports: [{port: 80, targetPort: APP}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: app, labels: {app: app}}
                spec:
                  ports: [{name: http, port: APP}]
                  sidecar: {inject: false}
                  command: [lattice, echo, --port, "APP", --name, app]
                """).replace("GW", String.valueOf(gw)).replace("APP", String.valueOf(app)));
        try (Mesh mesh = Mesh.up(dir);
                ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            mesh.awaitRoute(gw, "x.example", "/");
            // a second listener on a port another process holds
            Files.writeString(dir.resolve("mesh.yaml"), Files.readString(dir.resolve("mesh.yaml")).replace(
                    "listeners: [{name: http, protocol: HTTP, port: " + gw + "}]",
                    "listeners: [{name: http, protocol: HTTP, port: " + gw + "}, {name: busy, protocol: HTTP, port: "
                            + taken.getLocalPort() + "}]"));
            mesh.await("a NACK in lattice status", Duration.ofSeconds(30), () -> {
                Mesh.Result r = Mesh.run("status", "-o", "json", "--admin", "127.0.0.1:" + mesh.adminPort);
                JsonNode proxies = Mesh.JSON.readTree(r.output());
                for (JsonNode p : proxies.isArray() ? proxies : proxies.path("proxies")) {
                    if (p.path("id").asText().equals("gateway~default~gw") && p.path("nack").isObject()) {
                        return p.path("nack").path("reason").asText().contains(String.valueOf(taken.getLocalPort()));
                    }
                }
                return false;
            });
            Mesh.Result table = Mesh.run("status", "--admin", "127.0.0.1:" + mesh.adminPort);
            assertThat(table.output()).contains(String.valueOf(taken.getLocalPort()));
            // the last good config still serves
            for (int i = 0; i < 10; i++) assertThat(Mesh.viaGateway(gw, "x.example", "/").statusCode()).isEqualTo(200);
        }
    }
}
