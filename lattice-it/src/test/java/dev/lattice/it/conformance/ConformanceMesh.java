package dev.lattice.it.conformance;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conformance suite's shared base: one real {@code lattice up} per test class with the equivalent of the
 * upstream suite's base manifests, plus the class's own resources.
 *
 * <p>The base (see {@link #BASE}): namespaces {@code gateway-conformance-infra} (label
 * {@code gateway-conformance: infra}), {@code gateway-conformance-app-backend} and
 * {@code gateway-conformance-web-backend} (label {@code gateway-conformance: backend}); Gateways
 * {@code same-namespace} (from Same), {@code all-namespaces} (from All) and {@code backend-namespaces}
 * (Selector on the backend label), each on its own free port (upstream they all listen on 80 at different
 * addresses); Services {@code infra-backend-v1/v2/v3} with ports 8080 (HTTP/1.1), 8081 ({@code kubernetes.io/h2c})
 * and 8082 ({@code kubernetes.io/ws}), {@code grpc-infra-backend-v1/v2/v3} on 8080 (the echo's gRPC port), each
 * backed by a Workload running {@code lattice echo}; with {@link Option#APP_BACKENDS} also
 * {@code app-backend-v1/v2} and {@code web-backend}.
 *
 * <p>A class's YAML may use {@code ${SAME}}, {@code ${ALL}}, {@code ${BACKEND}} (the base Gateways' ports) and
 * {@code ${PORT1}} .. {@code ${PORT16}} (further free ports for its own Gateways).
 */
final class ConformanceMesh implements AutoCloseable {
    static final String INFRA = "gateway-conformance-infra";
    static final String APP = "gateway-conformance-app-backend";
    static final String WEB = "gateway-conformance-web-backend";
    static final HttpClient H1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();

    enum Option {
        /** Also app-backend-v1/v2 and web-backend (two more namespaces' workloads). */
        APP_BACKENDS,
        /** Backends get sidecars (for mesh tests); otherwise gateways reach the echo processes directly. */
        SIDECARS,
        /** Only the namespaces and the GatewayClass: no base Gateways or backends (mesh tests bring their own). */
        MESH_ONLY
    }

    final Mesh mesh;
    final Map<String, Integer> ports;
    /** The echo processes' own HTTP ports by workload name (for {@code GET /.echo/requests}). */
    final Map<String, Integer> echoPorts;

    private ConformanceMesh(Mesh mesh, Map<String, Integer> ports, Map<String, Integer> echoPorts) {
        this.mesh = mesh;
        this.ports = Map.copyOf(ports);
        this.echoPorts = Map.copyOf(echoPorts);
    }

    static final String BASE = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-infra, labels: {gateway-conformance: infra}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-app-backend, labels: {gateway-conformance: backend}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: gateway-conformance-web-backend, labels: {gateway-conformance: backend}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: lattice}
            spec: {controllerName: lattice.dev/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-namespace, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${SAME}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: all-namespaces, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${ALL}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: backend-namespaces, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: http
                port: ${BACKEND}
                protocol: HTTP
                allowedRoutes:
                  namespaces:
                    from: Selector
                    selector: {matchLabels: {gateway-conformance: backend}}
            """;

    private static String backend(String ns, String name, int http, int grpc, boolean sidecar) {
        return """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: NAME, namespace: NS}
                spec:
                  selector: {app: NAME}
                  ports:
                  - {name: first-port, port: 8080, targetPort: http}
                  - {name: second-port, port: 8081, targetPort: http, appProtocol: kubernetes.io/h2c}
                  - {name: third-port, port: 8082, targetPort: http, appProtocol: kubernetes.io/ws}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: grpc-NAME, namespace: NS}
                spec:
                  selector: {app: NAME}
                  ports:
                  - {name: grpc, port: 8080, targetPort: grpc, appProtocol: kubernetes.io/h2c}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: NAME, namespace: NS, labels: {app: NAME}}
                spec:
                  ports: [{name: http, port: HTTP}, {name: grpc, port: GRPC}]
                  command: [lattice, echo, --port, "HTTP", --grpc-port, "GRPC", --name, NAME, --namespace, NS]
                  sidecar: {inject: SIDECAR}
                """.replace("NAME", name).replace("NS", ns).replace("HTTP", String.valueOf(http))
                .replace("GRPC", String.valueOf(grpc)).replace("SIDECAR", String.valueOf(sidecar));
    }

    /** Starts the base plus {@code yaml} (the class's own resources) and waits until the admin API answers. */
    static ConformanceMesh start(String yaml, Option... options) throws IOException {
        requireNonNull(yaml, "yaml");
        List<Option> opts = List.of(options);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String k : List.of("SAME", "ALL", "BACKEND", "PORT1", "PORT2", "PORT3", "PORT4", "PORT5", "PORT6",
                "PORT7", "PORT8", "PORT9", "PORT10", "PORT11", "PORT12", "PORT13", "PORT14", "PORT15", "PORT16")) {
            ports.put(k, Mesh.freePort());
        }
        boolean sidecars = opts.contains(Option.SIDECARS);
        boolean meshOnly = opts.contains(Option.MESH_ONLY);
        StringBuilder all = new StringBuilder(meshOnly ? BASE.substring(0, BASE.indexOf("---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n")) : BASE);
        Map<String, Integer> echoPorts = new HashMap<>();
        for (String v : meshOnly ? List.<String>of() : List.of("v1", "v2", "v3")) {
            int http = Mesh.freePort();
            echoPorts.put("infra-backend-" + v, http);
            all.append(backend(INFRA, "infra-backend-" + v, http, Mesh.freePort(), sidecars));
        }
        if (opts.contains(Option.APP_BACKENDS)) {
            for (String[] b : List.of(new String[] {APP, "app-backend-v1"}, new String[] {APP, "app-backend-v2"},
                    new String[] {WEB, "web-backend"})) {
                int http = Mesh.freePort();
                echoPorts.put(b[1], http);
                all.append(backend(b[0], b[1], http, Mesh.freePort(), sidecars));
            }
        }
        all.append("---\n").append(yaml);
        String text = all.toString();
        for (var e : ports.entrySet()) {
            text = text.replace("${" + e.getKey() + "}", String.valueOf(e.getValue()));
        }
        assertNoPlaceholders(text);
        Path dir = Files.createTempDirectory("lattice-conformance-");
        // one file per resource: a resource Lattice rejects is reported alone and the rest still apply
        String[] docs = text.split("(?m)^---\\s*$");
        int i = 0;
        for (String doc : docs) {
            if (doc.isBlank()) continue;
            Files.writeString(dir.resolve(String.format("%03d.yaml", i++)), doc.strip() + "\n");
        }
        Mesh mesh = Mesh.up(dir);
        mesh.awaitProxiesSynced(Duration.ofSeconds(120));
        return new ConformanceMesh(mesh, ports, echoPorts);
    }

    /** The file under the mesh's directory that holds the resource named {@code name} (one resource per file). */
    Path fileOf(String name) throws IOException {
        try (var files = Files.list(mesh.dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                String text = Files.readString(f);
                if (text.contains("{name: " + name + ",") || text.contains("name: " + name + "\n")) return f;
            }
        }
        throw new IllegalArgumentException("conformance: no file holds a resource named " + name + " in " + mesh.dir);
    }

    int port(String key) {
        Integer p = ports.get(key);
        if (p == null) {
            throw new IllegalArgumentException("conformance: no port " + key + "; known: " + ports.keySet());
        }
        return p;
    }

    /** Stops the mesh (every process under it) and removes its directory, logs included. */
    @Override
    public void close() {
        mesh.close();
        try (var paths = Files.walk(mesh.dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temp directory is not worth failing a test for
        }
    }

    /** An answer: status, headers and, when the body is the echo's JSON, that JSON (else a missing node). */
    record Reply(int status, HttpHeaders headers, String body, JsonNode json) {
        /** The name of the echo that answered, or "" when it was not an echo. */
        String backend() {
            return json.path("name").asText("");
        }

        String namespace() {
            return json.path("namespace").asText("");
        }

        String path() {
            return json.path("path").asText("");
        }

        /** The first value of a request header as the backend saw it, or null. */
        String requestHeader(String name) {
            JsonNode v = json.path("headers").path(name.toLowerCase(java.util.Locale.ROOT));
            return v.isArray() && !v.isEmpty() ? v.get(0).asText() : null;
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + headers.map() + " " + body;
        }
    }

    /** A request through a gateway port with a Host header. */
    static Reply send(int port, String method, String host, String path, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(20))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("Host", host);
            headers.forEach(b::header);
            HttpResponse<String> r = H1.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = r.body().startsWith("{") ? Mesh.JSON.readTree(r.body()) : Mesh.JSON.missingNode();
            } catch (IOException e) {
                json = Mesh.JSON.missingNode();
            }
            return new Reply(r.statusCode(), r.headers(), r.body(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("conformance: " + method + " http://" + host + path + " via :" + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Reply get(int port, String host, String path) {
        return send(port, "GET", host, path, Map.of());
    }

    static Reply get(int port, String host, String path, Map<String, String> headers) {
        return send(port, "GET", host, path, headers);
    }

    /**
     * How long a test waits for something its class's YAML asked for. All of it arrives in the first snapshot, so
     * once {@link #awaitReady} has seen one route serve, the rest is there or not at all.
     */
    static final Duration WAIT = Duration.ofSeconds(20);

    /** Waits (up to 90 s, for the first config under load) until {@code GET path} is answered by {@code backend}. */
    void awaitReady(int port, String host, String path, String backend) {
        mesh.await(backend + " answering http://" + host + path + " via :" + port,
                Duration.ofSeconds(90), () -> get(port, host, path, Map.of()).backend().equals(backend));
    }

    /** Waits (up to {@link #WAIT}) until {@code GET path} via {@code port} is answered by {@code backend}. */
    void awaitBackend(int port, String host, String path, Map<String, String> headers, String backend) {
        mesh.await(backend + " answering http://" + host + path + " via :" + port + " " + headers,
                WAIT, () -> get(port, host, path, headers).backend().equals(backend));
    }

    /** Waits (up to {@link #WAIT}) until {@code GET path} via {@code port} answers {@code status}. */
    void awaitStatus(int port, String host, String path, Map<String, String> headers, int status) {
        mesh.await(status + " for http://" + host + path + " via :" + port + " " + headers,
                WAIT, () -> get(port, host, path, headers).status() == status);
    }

    /** The resource as {@code lattice get -o json} / the admin API shows it, status included. */
    JsonNode resource(String kind, String namespace, String name) throws IOException {
        JsonNode all = mesh.adminJson("/api/v1/resources?kind=" + kind + "&namespace="
                + URLEncoder.encode(namespace, StandardCharsets.UTF_8) + "&name=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
        assertThat(all.isArray() && all.size() == 1).as(kind + " " + namespace + "/" + name + " in " + all).isTrue();
        return all.get(0);
    }

    /** The condition {@code type} of a route's status entry for parent {@code parentName} (or null). */
    JsonNode routeCondition(String kind, String namespace, String name, String parentName, String type) throws IOException {
        for (JsonNode p : resource(kind, namespace, name).path("status").path("parents")) {
            if (!p.path("parentRef").path("name").asText().equals(parentName)) continue;
            for (JsonNode c : p.path("conditions")) {
                if (c.path("type").asText().equals(type)) return c;
            }
        }
        return null;
    }

    /** Waits (up to {@link #WAIT}) until the route's condition for the parent has this status and reason. */
    void awaitRouteCondition(String kind, String namespace, String name, String parentName, String type,
                             String status, String reason) {
        mesh.await(kind + " " + namespace + "/" + name + " parent " + parentName + " " + type + "=" + status
                + " " + reason, WAIT, () -> {
            JsonNode c = routeCondition(kind, namespace, name, parentName, type);
            return c != null && c.path("status").asText().equals(status) && c.path("reason").asText().equals(reason);
        });
    }

    /** Sends {@code n} requests and counts which backend answered each (status other than 200 counts as "HTTP nnn"). */
    static Map<String, Integer> distribution(int port, String host, String path, int n) {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            Reply r = get(port, host, path);
            String k = r.status() == 200 ? r.backend() : "HTTP " + r.status();
            counts.merge(k, 1, Integer::sum);
        }
        return counts;
    }

    /** The requests an echo has seen (its {@code GET /.echo/requests}, straight to the echo process). */
    JsonNode echoRequests(String workload) throws IOException {
        Integer p = echoPorts.get(workload);
        if (p == null) throw new IllegalArgumentException("conformance: no echo " + workload);
        return Mesh.JSON.readTree(Mesh.get(URI.create("http://127.0.0.1:" + p + "/.echo/requests"), Map.of()).body());
    }

    /** How many requests an echo has seen whose path equals {@code path}. */
    int echoCount(String workload, String path) throws IOException {
        int n = 0;
        for (JsonNode r : echoRequests(workload)) {
            if (r.path("path").asText().equals(path)) n++;
        }
        return n;
    }

    private static final Pattern UNUSED = Pattern.compile("\\$\\{[A-Z0-9]+}");

    static void assertNoPlaceholders(String text) {
        Matcher m = UNUSED.matcher(text);
        assertThat(m.find()).as("unreplaced placeholder in conformance YAML").isFalse();
    }
}
