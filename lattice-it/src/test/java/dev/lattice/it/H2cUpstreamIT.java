package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A Service port with appProtocol kubernetes.io/h2c is reached over HTTP/2 (prior knowledge), sidecar or not. */
class H2cUpstreamIT {
    @Test
    void h2cAppProtocolReachesTheAppOverHttp2() throws Exception {
        int gw = Mesh.freePort(), meshed = Mesh.freePort(), direct = Mesh.freePort();
        Path dir = Files.createTempDirectory("lattice-h2c-");
        Files.writeString(dir.resolve("mesh.yaml"), (Mesh.GATEWAY_GW + """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /meshed}}]
                    backendRefs: [{name: grpcish, port: 80}]
                  - matches: [{path: {type: PathPrefix, value: /direct}}]
                    backendRefs: [{name: grpcish-direct, port: 80}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: grpcish}
                spec:
                  selector: {app: grpcish}
                  ports: [{name: h2c, port: 80, targetPort: h2c, appProtocol: kubernetes.io/h2c}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: grpcish-direct}
                spec:
                  selector: {app: grpcish-direct}
                  ports: [{name: h2c, port: 80, targetPort: DIRECT, appProtocol: kubernetes.io/h2c}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: grpcish, labels: {app: grpcish}}
                spec:
                  ports: [{name: h2c, port: MESHED}]
                  command: [lattice, echo, --port, "MESHED", --name, grpcish]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: grpcish-direct, labels: {app: grpcish-direct}}
                spec:
                  ports: [{name: h2c, port: DIRECT}]
                  sidecar: {inject: false}
                  command: [lattice, echo, --port, "DIRECT", --name, grpcish-direct]
                """).replace("GW", String.valueOf(gw)).replace("MESHED", String.valueOf(meshed)).replace("DIRECT", String.valueOf(direct)));
        try (Mesh mesh = Mesh.up(dir)) {
            for (String path : new String[] {"/meshed", "/direct"}) {
                mesh.awaitRoute(gw, "any.example", path);
                JsonNode echo = Mesh.JSON.readTree(Mesh.viaGateway(gw, "any.example", path).body());
                assertThat(echo.path("proto").asText()).as(path).isEqualTo("HTTP/2.0");
            }
        }
    }
}
