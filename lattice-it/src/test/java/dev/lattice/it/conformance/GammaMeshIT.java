package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's mesh (GAMMA) conformance tests: features Mesh, MeshClusterIPMatching, MeshConsumerRoute and the Mesh
 * HTTPRoute extended ones. The upstream "mesh" base (namespace gateway-conformance-mesh with Services echo,
 * echo-v1, echo-v2 and their workloads, a client) is written here as Workloads with sidecars running
 * {@code lattice echo}; the clients are Workloads without a command whose sidecars' outbound ports the test
 * calls with the Service's name as Host (what an app does through {@code HTTP_PROXY}).
 */
class GammaMeshIT {
    static final String MESH = "gateway-conformance-mesh";
    static ConformanceMesh c;
    static int client;
    static int consumer;

    static final String YAML = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-mesh, labels: {gateway-conformance: mesh}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-mesh-consumer, labels: {gateway-conformance: mesh-consumer}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo}
              ports: [{name: http, port: 80, targetPort: http}, {name: http-alt, port: 8080, targetPort: http}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo-v1, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo, version: v1}
              ports: [{name: http, port: 80, targetPort: http}, {name: http-alt, port: 8080, targetPort: http}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo-v2, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo, version: v2}
              ports: [{name: http, port: 80, targetPort: http}, {name: http-alt, port: 8080, targetPort: http}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo-v1, namespace: gateway-conformance-mesh, labels: {app: echo, version: v1}}
            spec:
              ports: [{name: http, port: ${PORT1}}, {name: grpc, port: GRPC1}]
              command: [lattice, echo, --port, "${PORT1}", --grpc-port, "GRPC1", --name, echo-v1, --namespace, gateway-conformance-mesh]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo-v2, namespace: gateway-conformance-mesh, labels: {app: echo, version: v2}}
            spec:
              ports: [{name: http, port: ${PORT2}}, {name: grpc, port: GRPC2}]
              command: [lattice, echo, --port, "${PORT2}", --grpc-port, "GRPC2", --name, echo-v2, --namespace, gateway-conformance-mesh]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: gateway-conformance-mesh, labels: {app: client}}
            spec:
              ports: [{name: http, port: ${PORT3}}]
              sidecar: {outboundPort: ${PORT4}}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: consumer-client, namespace: gateway-conformance-mesh-consumer, labels: {app: client}}
            spec:
              ports: [{name: http, port: ${PORT5}}]
              sidecar: {outboundPort: ${PORT6}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: grpc-echo, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo}
              ports: [{name: grpc, port: 8080, targetPort: grpc, appProtocol: kubernetes.io/h2c}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: grpc-echo-v2, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo, version: v2}
              ports: [{name: grpc, port: 8080, targetPort: grpc, appProtocol: kubernetes.io/h2c}]
            ---
            # a GRPCRoute in the mesh (GAMMA): EchoTwo always goes to v2
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: mesh-grpc, namespace: gateway-conformance-mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: grpc-echo, port: 8080}]
              rules:
              - matches: [{method: {service: lattice.echo.v1.Echo, method: EchoTwo}}]
                backendRefs: [{name: grpc-echo-v2, port: 8080}]
            ---
            # mesh-split: a producer route on the Service echo
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mesh-split, namespace: gateway-conformance-mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
              rules:
              - matches: [{path: {type: Exact, value: /v1}}]
                backendRefs: [{name: echo-v1, port: 80}]
              - matches: [{path: {type: Exact, value: /v2}}]
                backendRefs: [{name: echo-v2, port: 80}]
              - matches: [{path: {type: PathPrefix, value: /weighted}}]
                backendRefs: [{name: echo-v1, port: 80, weight: 70}, {name: echo-v2, port: 80, weight: 30}]
              - matches: [{headers: [{name: version, value: two}]}]
                backendRefs: [{name: echo-v2, port: 80}]
              - matches: [{path: {type: PathPrefix, value: /query}, queryParams: [{name: animal, value: whale}]}]
                backendRefs: [{name: echo-v2, port: 80}]
            ---
            # the Mesh HTTPRoute extended features, in a route of their own on the same Service
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mesh-filters, namespace: gateway-conformance-mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
              rules:
              - name: named-rule
                matches: [{path: {type: PathPrefix, value: /named}}]
                backendRefs: [{name: echo-v2, port: 80}]
              - matches: [{path: {type: PathPrefix, value: /rewrite}}]
                filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /rewritten}}}]
                backendRefs: [{name: echo-v1, port: 80}]
              - matches: [{path: {type: PathPrefix, value: /redirect-path}}]
                filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /elsewhere}}}]
              - matches: [{path: {type: PathPrefix, value: /redirect-port}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 8083}}]
              - matches: [{path: {type: PathPrefix, value: /redirect-scheme}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
              - matches: [{path: {type: PathPrefix, value: /backend-headers}}]
                backendRefs:
                - name: echo-v1
                  port: 80
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Header-Set, value: mesh}]}}]
            ---
            # mesh-ports: a route on port 8080 of echo-v1 only
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mesh-ports, namespace: gateway-conformance-mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo-v1, port: 8080}]
              rules:
              - backendRefs: [{name: echo-v2, port: 8080}]
            ---
            # mesh-consumer-route: applies only to clients in gateway-conformance-mesh-consumer
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mesh-consumer-route, namespace: gateway-conformance-mesh-consumer}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo-v2, namespace: gateway-conformance-mesh, port: 80}]
              rules:
              - backendRefs: [{name: echo-v1, namespace: gateway-conformance-mesh, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: consumer-to-echo, namespace: gateway-conformance-mesh}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-mesh-consumer}]
              to: [{group: "", kind: Service}]
            """;

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(YAML.replace("GRPC1", String.valueOf(dev.lattice.it.Mesh.freePort()))
                .replace("GRPC2", String.valueOf(dev.lattice.it.Mesh.freePort())), ConformanceMesh.Option.MESH_ONLY);
        client = c.port("PORT4");
        consumer = c.port("PORT6");
        c.awaitReady(client, "echo-v1." + MESH + ":80", "/", "echo-v1");
    }

    @AfterAll
    static void down() {
        if (c != null) c.close();
    }

    @Test
    void meshBasicServiceCallThroughTheSidecar() {
        Reply r = get(client, "echo-v2." + MESH + ":80", "/basic");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.backend()).isEqualTo("echo-v2");
        assertThat(r.path()).isEqualTo("/basic");
    }

    @Test
    void producerRouteSplitsByPathAndHeader() {
        c.awaitBackend(client, "echo." + MESH + ":80", "/v2", Map.of(), "echo-v2");
        assertThat(get(client, "echo." + MESH + ":80", "/v1").backend()).isEqualTo("echo-v1");
        assertThat(get(client, "echo." + MESH + ":80", "/v2").backend()).isEqualTo("echo-v2");
        assertThat(get(client, "echo." + MESH, "/v1").backend()).isEqualTo("echo-v1");
        assertThat(get(client, "echo." + MESH + ":80", "/", Map.of("version", "two")).backend()).isEqualTo("echo-v2");
        c.awaitRouteCondition("HTTPRoute", MESH, "mesh-split", "echo", "Accepted", "True", "Accepted");
    }

    @Test
    void meshQueryParamMatchingAndNamedRule() {
        c.awaitBackend(client, "echo." + MESH + ":80", "/v2", Map.of(), "echo-v2");
        assertThat(get(client, "echo." + MESH + ":80", "/query?animal=whale").backend()).isEqualTo("echo-v2");
        assertThat(get(client, "echo." + MESH + ":80", "/named").backend()).isEqualTo("echo-v2");
    }

    @Test
    void meshRewritePath() {
        c.awaitBackend(client, "echo." + MESH + ":80", "/rewrite/x", Map.of(), "echo-v1");
        assertThat(get(client, "echo." + MESH + ":80", "/rewrite/x").path()).isEqualTo("/rewritten/x");
    }

    @Test
    void meshRedirects() {
        c.awaitStatus(client, "echo." + MESH + ":80", "/redirect-path", Map.of(), 302);
        Reply path = get(client, "echo." + MESH + ":80", "/redirect-path");
        assertThat(path.header("location")).as(path.toString()).isEqualTo("http://echo." + MESH + "/elsewhere");
        Reply port = get(client, "echo." + MESH + ":80", "/redirect-port");
        assertThat(port.header("location")).as(port.toString()).isEqualTo("http://echo." + MESH + ":8083/redirect-port");
        Reply scheme = get(client, "echo." + MESH + ":80", "/redirect-scheme");
        assertThat(scheme.header("location")).as(scheme.toString()).isEqualTo("https://echo." + MESH + "/redirect-scheme");
    }

    @Test
    void meshBackendRequestHeaderModification() {
        c.awaitBackend(client, "echo." + MESH + ":80", "/backend-headers", Map.of(), "echo-v1");
        assertThat(get(client, "echo." + MESH + ":80", "/backend-headers").requestHeader("X-Header-Set")).isEqualTo("mesh");
    }

    @Test
    void grpcRouteThroughTheSidecarWithAGrpcJavaClient() throws Exception {
        io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forAddress("127.0.0.1", client).usePlaintext().overrideAuthority("grpc-echo." + MESH + ":8080").build();
        try {
            c.mesh.await("EchoTwo answered by echo-v2 through the sidecar", ConformanceMesh.WAIT,
                    () -> GRPCRouteIT.backend(GRPCRouteIT.call(ch, dev.lattice.testkit.EchoGrpc.ECHO_TWO, Map.of())).equals("echo-v2"));
            for (int i = 0; i < 20; i++) {
                assertThat(GRPCRouteIT.backend(GRPCRouteIT.call(ch, dev.lattice.testkit.EchoGrpc.ECHO_TWO, Map.of()))).isEqualTo("echo-v2");
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void producerRouteWeights() {
        c.awaitBackend(client, "echo." + MESH + ":80", "/v2", Map.of(), "echo-v2");
        int n = 500;
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Reply r = get(client, "echo." + MESH + ":80", "/weighted");
            counts.merge(r.status() == 200 ? r.backend() : "HTTP " + r.status(), 1, Integer::sum);
        }
        assertThat(counts.keySet()).as(counts.toString()).containsOnly("echo-v1", "echo-v2");
        assertThat(counts.get("echo-v1") / (double) n).as(counts.toString()).isCloseTo(0.7, within(0.05));
    }

    @Test
    void portOnTheServiceParentNarrowsTheRoute() {
        c.awaitBackend(client, "echo-v1." + MESH + ":8080", "/", Map.of(), "echo-v2");
        for (int i = 0; i < 10; i++) {
            assertThat(get(client, "echo-v1." + MESH + ":80", "/").backend()).isEqualTo("echo-v1");
            assertThat(get(client, "echo-v1." + MESH + ":8080", "/").backend()).isEqualTo("echo-v2");
        }
    }

    @Test
    void consumerRouteAppliesOnlyToItsNamespacesClients() {
        c.awaitBackend(consumer, "echo-v2." + MESH + ":80", "/", Map.of(), "echo-v1");
        for (int i = 0; i < 10; i++) {
            assertThat(get(consumer, "echo-v2." + MESH + ":80", "/").backend()).isEqualTo("echo-v1");
            assertThat(get(client, "echo-v2." + MESH + ":80", "/").backend()).isEqualTo("echo-v2");
        }
    }
}
