package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's mesh conformance tests (conformance/tests/mesh/) with their own manifests, applied one test at a time as
 * upstream does: each test writes its routes into the running mesh's directory, checks every case until it holds
 * (upstream's "eventually consistent" requests), and removes them again. The mesh base is upstream's: Services echo,
 * echo-v1 and echo-v2 (ports 80 and 8080) in gateway-conformance-mesh, Workloads echo-v1 and echo-v2 with sidecars
 * running {@code lattice echo}, and a client Workload whose sidecar's outbound port the test calls with the Host the
 * upstream test names ({@code echo}, {@code echo-v1:8080}, or a workload's own address for mesh-frontend). The
 * Services also have upstream's gRPC port 7070 (the echo's gRPC server) for the mesh GRPCRoute tests, called with a
 * grpc-java client through the same sidecar with authority {@code echo:7070}.
 */
class MeshRoutesIT {
    static final String MESH = "gateway-conformance-mesh";
    static final String CONSUMER = "gateway-conformance-mesh-consumer";
    static ConformanceMesh c;
    static int client;
    static int consumerClient;
    static int v2Port;

    static final String BASE = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-mesh, labels: {gateway-conformance: mesh}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo}
              ports:
              - {name: http, port: 80, targetPort: http}
              - {name: http-alt, port: 8080, targetPort: http}
              - {name: grpc, port: 7070, targetPort: grpc, appProtocol: kubernetes.io/h2c}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo-v1, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo, version: v1}
              ports:
              - {name: http, port: 80, targetPort: http}
              - {name: http-alt, port: 8080, targetPort: http}
              - {name: grpc, port: 7070, targetPort: grpc, appProtocol: kubernetes.io/h2c}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo-v2, namespace: gateway-conformance-mesh}
            spec:
              selector: {app: echo, version: v2}
              ports:
              - {name: http, port: 80, targetPort: http}
              - {name: http-alt, port: 8080, targetPort: http}
              - {name: grpc, port: 7070, targetPort: grpc, appProtocol: kubernetes.io/h2c}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo-v1, namespace: gateway-conformance-mesh, labels: {app: echo, version: v1}}
            spec:
              ports: [{name: http, port: ${PORT1}}, {name: grpc, port: ${PORT5}}]
              command: [lattice, echo, --port, "${PORT1}", --grpc-port, "${PORT5}", --name, echo-v1, --namespace, gateway-conformance-mesh]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo-v2, namespace: gateway-conformance-mesh, labels: {app: echo, version: v2}}
            spec:
              ports: [{name: http, port: ${PORT2}}, {name: grpc, port: ${PORT6}}]
              command: [lattice, echo, --port, "${PORT2}", --grpc-port, "${PORT6}", --name, echo-v2, --namespace, gateway-conformance-mesh]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: gateway-conformance-mesh, labels: {app: client}}
            spec:
              ports: [{name: http, port: ${PORT3}}]
              sidecar: {outboundPort: ${PORT4}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-mesh-consumer, labels: {gateway-conformance: mesh-consumer}}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: gateway-conformance-mesh-consumer, labels: {app: client}}
            spec:
              ports: [{name: http, port: ${PORT7}}]
              sidecar: {outboundPort: ${PORT8}}
            """;

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(BASE, ConformanceMesh.Option.MESH_ONLY);
        client = c.port("PORT4");
        consumerClient = c.port("PORT8");
        v2Port = c.port("PORT2");
        c.awaitReady(client, "echo-v1", "/", "echo-v1");
    }

    @AfterAll
    static void down() {
        if (c != null) c.close();
    }

    /** Removes the routes the test applied, and waits until the control plane has dropped them. */
    @AfterEach
    void removeRoutes() throws IOException {
        try (var files = Files.list(c.mesh.dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("test-")).toList()) Files.delete(f);
        }
        c.mesh.await("the test's routes removed", ConformanceMesh.WAIT,
                () -> c.mesh.adminJson("/api/v1/resources?kind=HTTPRoute").isEmpty()
                        && c.mesh.adminJson("/api/v1/resources?kind=GRPCRoute").isEmpty());
    }

    /**
     * Writes a test's manifest into the mesh's directory (the directory source picks it up) and waits until every
     * route in it is Accepted by its parent.
     */
    static void apply(String name, String yaml) throws IOException {
        Files.writeString(c.mesh.dir.resolve("test-" + name + ".yaml"), yaml);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kind: (HTTPRoute|GRPCRoute)\nmetadata: \\{name: ([a-z0-9-]+), namespace: ([a-z0-9-]+)}").matcher(yaml);
        while (m.find()) {
            String kind = m.group(1);
            String route = m.group(2);
            String ns = m.group(3);
            c.mesh.await(kind + " " + route + " Accepted", ConformanceMesh.WAIT, () -> {
                var all = c.mesh.adminJson("/api/v1/resources?kind=" + kind + "&namespace=" + ns + "&name=" + route);
                for (var p : all.path(0).path("status").path("parents")) {
                    for (var cond : p.path("conditions")) {
                        if (cond.path("type").asText().equals("Accepted") && cond.path("status").asText().equals("True")) return true;
                    }
                }
                return false;
            });
        }
    }

    /**
     * Upstream's MakeRequestAndExpectEventuallyConsistentResponse: waits until the answer passes 5 times in a row
     * (a config not yet applied could pass once by chance of load balancing).
     */
    static Reply expect(String host, String path, Map<String, String> headers, Predicate<Reply> ok) {
        return expect(client, host, path, headers, ok);
    }

    /** As above, through the sidecar whose outbound port is {@code via}. */
    static Reply expect(int via, String host, String path, Map<String, String> headers, Predicate<Reply> ok) {
        String what = "GET http://" + host + path + " " + headers + " through the sidecar on :" + via;
        int[] inARow = {0};
        Reply[] last = {null};
        try {
            c.mesh.await(what + " passing 5 times in a row", ConformanceMesh.WAIT, () -> {
                last[0] = get(via, host, path, headers);
                inARow[0] = ok.test(last[0]) ? inARow[0] + 1 : 0;
                return inARow[0] >= 5;
            });
        } catch (AssertionError e) {
            throw new AssertionError(what + ": last answer " + last[0], e);
        }
        return last[0];
    }

    static Predicate<Reply> backend(String name) {
        return r -> r.status() == 200 && r.backend().equals(name) && r.namespace().equals(MESH);
    }

    static Predicate<Reply> status(int status) {
        return r -> r.status() == status;
    }

    static Predicate<Reply> redirect(int status, String location) {
        return r -> r.status() == status && location.equals(r.header("location"));
    }

    static Predicate<Reply> requestHeaders(Map<String, String> present, String... absent) {
        return r -> {
            if (!backend("echo-v1").test(r)) return false;
            for (var e : present.entrySet()) if (!e.getValue().equals(r.requestHeader(e.getKey()))) return false;
            for (String a : absent) if (r.requestHeader(a) != null) return false;
            return true;
        };
    }

    /** A GRPCRoute on Service echo port 7070. */
    static String grpcRoute(String name, String rules) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: NAME, namespace: gateway-conformance-mesh}
                spec:
                  parentRefs: [{group: "", kind: Service, name: echo, port: 7070}]
                  rules:
                """.replace("NAME", name) + rules.indent(2);
    }

    /** Runs {@code body} with a grpc-java channel to the client's sidecar, authority {@code echo:7070}. */
    static void withGrpc(java.util.function.Consumer<io.grpc.Channel> body) throws InterruptedException {
        io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", client)
                .usePlaintext().overrideAuthority("echo:7070").build();
        try {
            body.accept(ch);
        } finally {
            ch.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A gRPC call's answer passes: from {@code backend}, with these request metadata and without those. */
    static boolean grpcPasses(com.google.protobuf.Struct r, String backend, Map<String, String> present, String... absent) {
        if (!GRPCRouteIT.backend(r).equals(backend)) return false;
        com.google.protobuf.Struct md = r.getFieldsOrThrow("metadata").getStructValue();
        for (var e : present.entrySet()) if (!e.getValue().equals(GRPCRouteIT.first(md, e.getKey()))) return false;
        for (String a : absent) if (GRPCRouteIT.first(md, a) != null) return false;
        return true;
    }

    static String route(String name, String parent, String rules) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: NAME, namespace: gateway-conformance-mesh}
                spec:
                  parentRefs: [PARENT]
                  rules:
                """.replace("NAME", name).replace("PARENT", parent) + rules.indent(2);
    }

    static final String ECHO_80 = "{group: \"\", kind: Service, name: echo, port: 80}";

    @Test
    void meshBasic() {
        expect("echo", "/", Map.of(), r -> r.status() == 200 && r.backend().startsWith("echo-v"));
    }

    /**
     * mesh-consumer-route: a route in the consumer namespace on Service echo-v1 of the mesh namespace applies to the
     * consumer namespace's clients only; its backendRef to its parent Service in the other namespace needs no ReferenceGrant.
     */
    @Test
    void meshConsumerRoute() throws IOException {
        apply("mesh-consumer-route", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: mesh-echo-add-header, namespace: gateway-conformance-mesh-consumer}
                spec:
                  parentRefs: [{group: "", kind: Service, name: echo-v1, namespace: gateway-conformance-mesh}]
                  rules:
                  - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set}]}}]
                    backendRefs: [{name: echo-v1, namespace: gateway-conformance-mesh, port: 80}]
                """);
        expect(consumerClient, "echo-v1." + MESH, "/", Map.of(), backend("echo-v1").and(r -> "set".equals(r.header("X-Header-Set"))));
        expect(client, "echo-v1." + MESH, "/", Map.of(), backend("echo-v1").and(r -> r.header("X-Header-Set") == null));
    }

    @Test
    void meshSplit() throws IOException {
        apply("mesh-split", route("mesh-split", "{group: \"\", kind: Service, name: echo}", """
                - matches: [{path: {type: Exact, value: /v1}}]
                  backendRefs: [{name: echo-v1, port: 80}]
                - matches: [{path: {type: Exact, value: /v2}}]
                  backendRefs: [{name: echo-v2, port: 80}]
                """));
        expect("echo", "/v1", Map.of(), backend("echo-v1"));
        expect("echo", "/v2", Map.of(), backend("echo-v2"));
    }

    /** mesh-frontend: the route binds to the Service frontend; a request sent to the workload's address bypasses it. */
    @Test
    void meshFrontend() throws IOException {
        apply("mesh-frontend", route("mesh-split-v1", "{group: \"\", kind: Service, name: echo-v2}", """
                - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set}]}}]
                  backendRefs: [{name: echo-v2, port: 80}]
                """));
        expect("echo-v2", "/", Map.of(), backend("echo-v2").and(r -> "set".equals(r.header("X-Header-Set"))));
        expect("127.0.0.1:" + v2Port, "/", Map.of(), backend("echo-v2").and(r -> r.header("X-Header-Set") == null));
    }

    /**
     * An HTTP proxy request through the client's sidecar, as an app behind {@code HTTP_PROXY} sends it: absolute-form
     * target {@code http://<target>/} on the wire with a {@code Host} header that may name something else. Answers
     * the status, the response's X-Header-Set (or null) and the echo's name.
     */
    static String[] proxyRequest(String target, String host) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", client)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET http://" + target + "/ HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            int split = all.indexOf("\r\n\r\n");
            String head = split < 0 ? all : all.substring(0, split);
            String status = head.split(" ", 3).length > 1 ? head.split(" ", 3)[1] : "";
            String set = null;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("x-header-set:")) set = line.substring(13).trim();
            }
            java.util.regex.Matcher name = java.util.regex.Pattern.compile("\"name\":\"([^\"]*)\"").matcher(split < 0 ? "" : all.substring(split));
            return new String[] {status, set, name.find() ? name.group(1) : ""};
        }
    }

    /**
     * mesh-frontend-hostname (MeshClusterIPMatching), adapted: local mode has no cluster IPs; what a client addresses is
     * the target of its proxy request (what {@code HTTP_PROXY} clients send; the sidecar's analogue of the Service IP
     * the client connects to), and the route follows it, never the Host header.
     */
    @Test
    void meshFrontendHostname() throws Exception {
        apply("mesh-frontend", route("mesh-split-v1", "{group: \"\", kind: Service, name: echo-v2}", """
                - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set}]}}]
                  backendRefs: [{name: echo-v2, port: 80}]
                """));
        for (String[] k : new String[][] {{"echo-v2", "echo-v1", "200", "set", "echo-v2"}, {"echo-v1", "echo-v2", "200", null, "echo-v1"}}) {
            int[] inARow = {0};
            c.mesh.await("proxy request to " + k[0] + " with Host " + k[1], ConformanceMesh.WAIT, () -> {
                String[] r = proxyRequest(k[0], k[1]);
                boolean ok = r[0].equals(k[2]) && java.util.Objects.equals(r[1], k[3]) && r[2].equals(k[4]);
                inARow[0] = ok ? inARow[0] + 1 : 0;
                return inARow[0] >= 5;
            });
        }
    }

    @Test
    void meshPorts() throws IOException {
        apply("mesh-ports", route("mesh-split-v1", "{group: \"\", kind: Service, name: echo-v1, port: 80}", """
                - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: v1}]}}]
                  backendRefs: [{name: echo-v1, port: 80}]
                """) + "---\n" + route("mesh-split-v2", "{group: \"\", kind: Service, name: echo-v2}", """
                - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: v2}]}}]
                  backendRefs: [{name: echo-v2, port: 80}]
                """));
        expect("echo-v1", "/", Map.of(), backend("echo-v1").and(r -> "v1".equals(r.header("X-Header-Set"))));
        expect("echo-v1:8080", "/", Map.of(), backend("echo-v1").and(r -> r.header("X-Header-Set") == null));
        expect("echo-v2", "/", Map.of(), backend("echo-v2").and(r -> "v2".equals(r.header("X-Header-Set"))));
        expect("echo-v2:8080", "/", Map.of(), backend("echo-v2").and(r -> "v2".equals(r.header("X-Header-Set"))));
    }

    @Test
    void meshHttpRouteSimpleSameNamespace() throws IOException {
        apply("mesh-simple", route("gateway-conformance-mesh-test", ECHO_80, """
                - backendRefs: [{name: echo-v1, port: 8080}]
                """));
        expect("echo", "/", Map.of(), backend("echo-v1"));
    }

    @Test
    void meshHttpRouteNamedRule() throws IOException {
        apply("mesh-named-rule", route("mesh-http-named-rules", ECHO_80, """
                - name: named-rule
                  matches: [{path: {type: PathPrefix, value: /named}}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /unnamed}}]
                  backendRefs: [{name: echo-v2, port: 8080}]
                """));
        expect("echo", "/named", Map.of(), backend("echo-v1").and(r -> r.path().equals("/named")));
        expect("echo", "/unnamed", Map.of(), backend("echo-v2").and(r -> r.path().equals("/unnamed")));
    }

    /** Mesh httproute-weight: 500 requests split 70/30 within ±0.05. */
    @Test
    void meshHttpRouteWeight() throws IOException {
        apply("mesh-weight", route("mesh-weighted-backends", ECHO_80, """
                - backendRefs:
                  - {name: echo-v1, port: 8080, weight: 70}
                  - {name: echo-v2, port: 8080, weight: 30}
                """));
        expect("echo", "/", Map.of(), r -> r.status() == 200);
        int n = 500;
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            Reply r = get(client, "echo", "/");
            counts.merge(r.status() == 200 ? r.backend() : "HTTP " + r.status(), 1, Integer::sum);
        }
        assertThat(counts.keySet()).as(counts.toString()).containsOnly("echo-v1", "echo-v2");
        assertThat(counts.get("echo-v1") / (double) n).as(counts.toString()).isCloseTo(0.7, org.assertj.core.api.Assertions.within(0.05));
    }

    @Test
    void meshHttpRouteMatching() throws IOException {
        apply("mesh-matching", route("mesh-matching", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /}}, {headers: [{name: version, value: one}]}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /v2}}, {headers: [{name: version, value: two}]}]
                  backendRefs: [{name: echo-v2, port: 8080}]
                """));
        expect("echo", "/v2", Map.of(), backend("echo-v2"));
        expect("echo", "/", Map.of(), backend("echo-v1"));
        expect("echo", "/example", Map.of(), backend("echo-v1"));
        expect("echo", "/", Map.of("Version", "one"), backend("echo-v1"));
        expect("echo", "/v2/example", Map.of(), backend("echo-v2"));
        expect("echo", "/", Map.of("Version", "two"), backend("echo-v2"));
        expect("echo", "/v2/", Map.of(), backend("echo-v2"));
        expect("echo", "/v2example", Map.of(), backend("echo-v1"));
        expect("echo", "/foo/v2/example", Map.of(), backend("echo-v1"));
    }

    @Test
    void meshHttpRouteQueryParamMatching() throws IOException {
        apply("mesh-query-param-matching", route("mesh-query-param-matching", ECHO_80, """
                - matches: [{queryParams: [{name: animal, value: whale}]}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{queryParams: [{name: animal, value: dolphin}]}]
                  backendRefs: [{name: echo-v2, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /path1}, queryParams: [{name: animal, value: whale}]}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{headers: [{name: version, value: one}], queryParams: [{name: animal, value: whale}]}]
                  backendRefs: [{name: echo-v2, port: 8080}]
                - matches:
                  - {path: {type: PathPrefix, value: /path3}, queryParams: [{name: animal, value: shark}]}
                  - {path: {type: PathPrefix, value: /path4}, headers: [{name: version, value: three}], queryParams: [{name: animal, value: kraken}]}
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /path5}}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{queryParams: [{name: animal, value: hydra}]}]
                  backendRefs: [{name: echo-v2, port: 8080}]
                """));
        expect("echo", "/?animal=dolphin", Map.of(), backend("echo-v2"));
        expect("echo", "/?animal=whale", Map.of(), backend("echo-v1"));
        expect("echo", "/?animal=whale&otherparam=irrelevant", Map.of(), backend("echo-v1"));
        expect("echo", "/?animal=dolphin&color=yellow", Map.of(), backend("echo-v2"));
        expect("echo", "/?color=blue", Map.of(), status(404));
        expect("echo", "/?animal=dog", Map.of(), status(404));
        expect("echo", "/?animal=whaledolphin", Map.of(), status(404));
        expect("echo", "/", Map.of(), status(404));
        expect("echo", "/path1?animal=whale", Map.of(), backend("echo-v1"));
        expect("echo", "/?animal=whale", Map.of("version", "one"), backend("echo-v2"));
        expect("echo", "/path3?animal=shark", Map.of(), backend("echo-v1"));
        expect("echo", "/path4?animal=kraken", Map.of("version", "three"), backend("echo-v1"));
        expect("echo", "/?animal=shark", Map.of(), status(404));
        expect("echo", "/path4?animal=kraken", Map.of(), status(404));
        expect("echo", "/path5?animal=hydra", Map.of(), backend("echo-v1"));
    }

    @Test
    void meshHttpRouteRequestHeaderModifier() throws IOException {
        apply("mesh-request-header-modifier", route("mesh-request-header-modifier", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /set}}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Header-Set, value: set-overwrites-values}]}}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /add}}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-Header-Add, value: add-appends-values}]}}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /remove}}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [X-Header-Remove]}}]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /multiple}}]
                  filters:
                  - type: RequestHeaderModifier
                    requestHeaderModifier:
                      set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}]
                      add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2}, {name: X-Header-Add-3, value: header-add-3}]
                      remove: [X-Header-Remove-1, X-Header-Remove-2]
                  backendRefs: [{name: echo-v1, port: 8080}]
                - matches: [{path: {type: PathPrefix, value: /case-insensitivity}}]
                  filters:
                  - type: RequestHeaderModifier
                    requestHeaderModifier:
                      set: [{name: X-Header-Set, value: header-set}]
                      add: [{name: X-Header-Add, value: header-add}]
                      remove: [X-Header-Remove]
                  backendRefs: [{name: echo-v1, port: 8080}]
                """));
        expect("echo", "/set", Map.of("Some-Other-Header", "val"),
                requestHeaders(Map.of("Some-Other-Header", "val", "X-Header-Set", "set-overwrites-values")));
        expect("echo", "/set", Map.of("Some-Other-Header", "val", "X-Header-Set", "some-other-value"),
                requestHeaders(Map.of("Some-Other-Header", "val", "X-Header-Set", "set-overwrites-values")));
        expect("echo", "/add", Map.of("Some-Other-Header", "val"),
                requestHeaders(Map.of("Some-Other-Header", "val", "X-Header-Add", "add-appends-values")));
        expect("echo", "/add", Map.of("Some-Other-Header", "val", "X-Header-Add", "some-other-value"),
                requestHeaders(Map.of("Some-Other-Header", "val", "X-Header-Add", "some-other-value,add-appends-values")));
        expect("echo", "/remove", Map.of("X-Header-Remove", "val"), requestHeaders(Map.of(), "X-Header-Remove"));
        expect("echo", "/multiple", Map.of("X-Header-Set-2", "set-val-2", "X-Header-Add-2", "add-val-2",
                        "X-Header-Remove-2", "remove-val-2", "Another-Header", "another-header-val"),
                requestHeaders(Map.of("X-Header-Set-1", "header-set-1", "X-Header-Set-2", "header-set-2",
                        "X-Header-Add-1", "header-add-1", "X-Header-Add-2", "add-val-2,header-add-2",
                        "X-Header-Add-3", "header-add-3", "Another-Header", "another-header-val"),
                        "X-Header-Remove-1", "X-Header-Remove-2"));
        expect("echo", "/case-insensitivity", Map.of("x-header-set", "original-val-set", "x-header-add", "original-val-add",
                        "x-header-remove", "original-val-remove", "Another-Header", "another-header-val"),
                requestHeaders(Map.of("X-Header-Set", "header-set", "X-Header-Add", "original-val-add,header-add",
                        "Another-Header", "another-header-val"), "X-Header-Remove"));
    }

    @Test
    void meshHttpRouteRewritePath() throws IOException {
        String modify = """
                  - type: RequestHeaderModifier
                    requestHeaderModifier:
                      set: [{name: X-Header-Set, value: set-overwrites-values}]
                      add: [{name: X-Header-Add, value: header-val-1}, {name: X-Header-Add-Append, value: header-val-2}]
                      remove: [X-Header-Remove]
                """;
        apply("mesh-rewrite-path", route("mesh-rewrite-path", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
                  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}}]
                  backendRefs: [{name: echo-v1, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /strip-prefix}}]
                  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
                  backendRefs: [{name: echo-v1, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /full/one}}]
                  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /one}}}]
                  backendRefs: [{name: echo-v1, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /full/rewrite-path-and-modify-headers}}]
                  filters:
                  - {type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /test}}}
                """ + modify + """
                  backendRefs: [{name: echo-v1, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /prefix/rewrite-path-and-modify-headers}}]
                  filters:
                  - {type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /prefix}}}
                """ + modify + """
                  backendRefs: [{name: echo-v1, port: 80}]
                """));
        expect("echo", "/prefix/one/two", Map.of(), backend("echo-v1").and(r -> r.path().equals("/one/two")));
        expect("echo", "/strip-prefix/three", Map.of(), backend("echo-v1").and(r -> r.path().equals("/three")));
        expect("echo", "/strip-prefix", Map.of(), backend("echo-v1").and(r -> r.path().equals("/")));
        expect("echo", "/full/one/two", Map.of(), backend("echo-v1").and(r -> r.path().equals("/one")));
        Map<String, String> in = Map.of("X-Header-Remove", "remove-val", "X-Header-Add-Append", "append-val-1",
                "X-Header-Set", "set-val");
        Map<String, String> out = Map.of("X-Header-Add", "header-val-1", "X-Header-Add-Append", "append-val-1,header-val-2",
                "X-Header-Set", "set-overwrites-values");
        expect("echo", "/full/rewrite-path-and-modify-headers/test", in,
                requestHeaders(out, "X-Header-Remove").and(r -> r.path().equals("/test")));
        expect("echo", "/prefix/rewrite-path-and-modify-headers/one", in,
                requestHeaders(out, "X-Header-Remove").and(r -> r.path().equals("/prefix/one")));
    }

    /** Redirect Locations: the mesh's listener port is the Service port (80, the scheme's default, left out). */
    @Test
    void meshHttpRouteRedirectPath() throws IOException {
        apply("mesh-redirect-path", route("mesh-redirect-path", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /original-prefix}}]
                  filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}}]
                - matches: [{path: {type: PathPrefix, value: /full}}]
                  filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}}}]
                - matches: [{path: {type: PathPrefix, value: /path-and-host}}]
                  filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}}]
                - matches: [{path: {type: PathPrefix, value: /path-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}, statusCode: 301}}]
                - matches: [{path: {type: PathPrefix, value: /full-path-and-host}}]
                  filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, path: {type: ReplaceFullPath, replaceFullPath: /replacement-full}}}]
                - matches: [{path: {type: PathPrefix, value: /full-path-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /replacement-full}, statusCode: 301}}]
                """));
        expect("echo", "/original-prefix/lemon", Map.of(), redirect(302, "http://echo/replacement-prefix/lemon"));
        expect("echo", "/full/path/original", Map.of(), redirect(302, "http://echo/full-path-replacement"));
        expect("echo", "/path-and-host", Map.of(), redirect(302, "http://example.org/replacement-prefix"));
        expect("echo", "/path-and-status", Map.of(), redirect(301, "http://echo/replacement-prefix"));
        expect("echo", "/full-path-and-host", Map.of(), redirect(302, "http://example.org/replacement-full"));
        expect("echo", "/full-path-and-status", Map.of(), redirect(301, "http://echo/replacement-full"));
    }

    @Test
    void meshHttpRouteRedirectPort() throws IOException {
        apply("mesh-redirect-port", route("mesh-redirect-port", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /port}}]
                  filters: [{type: RequestRedirect, requestRedirect: {port: 8083}}]
                - matches: [{path: {type: PathPrefix, value: /port-and-host}}]
                  filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, port: 8083}}]
                - matches: [{path: {type: PathPrefix, value: /port-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {port: 8083, statusCode: 301}}]
                - matches: [{path: {type: PathPrefix, value: /port-and-host-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {port: 8083, hostname: example.org, statusCode: 302}}]
                """));
        expect("echo", "/port", Map.of(), redirect(302, "http://echo:8083/port"));
        expect("echo", "/port-and-host", Map.of(), redirect(302, "http://example.org:8083/port-and-host"));
        expect("echo", "/port-and-status", Map.of(), redirect(301, "http://echo:8083/port-and-status"));
        expect("echo", "/port-and-host-and-status", Map.of(), redirect(302, "http://example.org:8083/port-and-host-and-status"));
    }

    @Test
    void meshHttpRouteRedirectScheme() throws IOException {
        apply("mesh-redirect-scheme", route("mesh-redirect-scheme", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /scheme}}]
                  filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
                - matches: [{path: {type: PathPrefix, value: /scheme-and-host}}]
                  filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, scheme: https}}]
                - matches: [{path: {type: PathPrefix, value: /scheme-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
                - matches: [{path: {type: PathPrefix, value: /scheme-and-host-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 302, hostname: example.org}}]
                """));
        expect("echo", "/scheme", Map.of(), redirect(302, "https://echo/scheme"));
        expect("echo", "/scheme-and-host", Map.of(), redirect(302, "https://example.org/scheme-and-host"));
        expect("echo", "/scheme-and-status", Map.of(), redirect(301, "https://echo/scheme-and-status"));
        expect("echo", "/scheme-and-host-and-status", Map.of(), redirect(302, "https://example.org/scheme-and-host-and-status"));
    }

    @Test
    void meshHttpRouteRedirectHostAndStatus() throws IOException {
        apply("mesh-redirect-host-and-status", route("mesh-redirect-host-and-status", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /hostname-redirect}}]
                  filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
                - matches: [{path: {type: PathPrefix, value: /host-and-status}}]
                  filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301, hostname: example.org}}]
                """));
        expect("echo", "/hostname-redirect", Map.of(), redirect(302, "http://example.org/hostname-redirect"));
        expect("echo", "/host-and-status", Map.of(), redirect(301, "http://example.org/host-and-status"));
    }

    @Test
    void meshHttpRoute303307308Redirects() throws IOException {
        apply("mesh-30x-redirect", route("mesh-303-redirect", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /redirect}}]
                  filters: [{type: RequestRedirect, requestRedirect: {statusCode: 303}}]
                """) + "---\n" + route("mesh-307-redirect", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /temporary}}]
                  filters: [{type: RequestRedirect, requestRedirect: {statusCode: 307}}]
                """) + "---\n" + route("mesh-308-redirect", ECHO_80, """
                - matches: [{path: {type: PathPrefix, value: /permanent}}]
                  filters: [{type: RequestRedirect, requestRedirect: {statusCode: 308}}]
                """));
        expect("echo", "/redirect", Map.of(), redirect(303, "http://echo/redirect"));
        expect("echo", "/temporary", Map.of(), redirect(307, "http://echo/temporary"));
        expect("echo", "/permanent", Map.of(), redirect(308, "http://echo/permanent"));
    }

    @Test
    void meshGrpcRouteRequestHeaderModifier() throws Exception {
        apply("mesh-grpc-request-header-modifier", grpcRoute("grpc-request-header-modifier", """
                - matches: [{headers: [{name: x-test-case, value: set}]}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-header-set, value: set-overwrites-values}]}}]
                  backendRefs: [{name: echo-v1, port: 7070}]
                - matches: [{headers: [{name: x-test-case, value: add}]}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-header-add, value: add-appends-values}]}}]
                  backendRefs: [{name: echo-v1, port: 7070}]
                - matches: [{headers: [{name: x-test-case, value: remove}]}]
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [x-header-remove]}}]
                  backendRefs: [{name: echo-v1, port: 7070}]
                - matches: [{headers: [{name: x-test-case, value: multi}]}]
                  filters:
                  - type: RequestHeaderModifier
                    requestHeaderModifier:
                      set: [{name: x-header-set-1, value: header-set-1}, {name: x-header-set-2, value: header-set-2}]
                      add: [{name: x-header-add-1, value: header-add-1}, {name: x-header-add-2, value: header-add-2}]
                      remove: [x-header-remove-1, x-header-remove-2]
                  backendRefs: [{name: echo-v2, port: 7070}]
                """));
        record Case(Map<String, String> sent, String backend, Map<String, String> expected, String... absent) {}
        List<Case> cases = List.of(
                new Case(Map.of("x-test-case", "set", "some-other-header", "this-header-should-be-set",
                        "x-header-set", "this-value-should-be-overwritten"), "echo-v1",
                        Map.of("x-test-case", "set", "some-other-header", "this-header-should-be-set", "x-header-set", "set-overwrites-values")),
                new Case(Map.of("x-test-case", "add", "x-header-add", "this-value-should-be-appended"), "echo-v1",
                        Map.of("x-test-case", "add", "x-header-add", "this-value-should-be-appended,add-appends-values")),
                new Case(Map.of("x-test-case", "remove", "x-header-remove", "this-should-be-removed"), "echo-v1",
                        Map.of("x-test-case", "remove"), "x-header-remove"),
                new Case(Map.of("x-test-case", "multi", "x-header-set-2", "set-header-2", "x-header-add-2", "add-header-2",
                        "x-header-remove-2", "should-be-removed-2"), "echo-v2",
                        Map.of("x-test-case", "multi", "x-header-set-1", "header-set-1", "x-header-set-2", "header-set-2",
                                "x-header-add-1", "header-add-1", "x-header-add-2", "add-header-2,header-add-2"),
                        "x-header-remove-1", "x-header-remove-2"));
        withGrpc(ch -> {
            for (Case k : cases) {
                int[] inARow = {0};
                c.mesh.await("gRPC " + k.sent() + " answered by " + k.backend() + " with " + k.expected(), ConformanceMesh.WAIT, () -> {
                    boolean ok = grpcPasses(GRPCRouteIT.call(ch, dev.lattice.testkit.EchoGrpc.ECHO, k.sent()), k.backend(),
                            k.expected(), k.absent());
                    inARow[0] = ok ? inARow[0] + 1 : 0;
                    return inARow[0] >= 5;
                });
            }
        });
    }

    /** Mesh grpcroute-weight: 500 calls split 70/30 within ±0.05; the weight-0 backend (echo-v3, absent) never answers. */
    @Test
    void meshGrpcRouteWeight() throws Exception {
        apply("mesh-grpc-weight", grpcRoute("mesh-grpc-weighted-backends", """
                - backendRefs:
                  - {name: echo-v1, port: 7070, weight: 70}
                  - {name: echo-v2, port: 7070, weight: 30}
                  - {name: echo-v3, port: 7070, weight: 0}
                """));
        withGrpc(ch -> {
            // eventually consistent first: both backends answer (without the route the Service's two endpoints do too)
            c.mesh.await("gRPC through echo:7070", ConformanceMesh.WAIT,
                    () -> GRPCRouteIT.backend(GRPCRouteIT.call(ch, dev.lattice.testkit.EchoGrpc.ECHO, Map.of())).startsWith("echo-v"));
            int n = 500;
            Map<String, Integer> counts = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                counts.merge(GRPCRouteIT.backend(GRPCRouteIT.call(ch, dev.lattice.testkit.EchoGrpc.ECHO, Map.of())), 1, Integer::sum);
            }
            assertThat(counts.keySet()).as(counts.toString()).containsOnly("echo-v1", "echo-v2");
            assertThat(counts.get("echo-v1") / (double) n).as(counts.toString()).isCloseTo(0.7, org.assertj.core.api.Assertions.within(0.05));
        });
    }
}
