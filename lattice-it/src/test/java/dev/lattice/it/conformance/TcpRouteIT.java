package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's TCPRoute conformance tests: tcproute-invalid-backendref-nonexistent,
 * tcproute-invalid-cross-namespace-backend-ref, tcproute-invalid-non-tcp-listener, tcproute-multiple-routes-attachment,
 * tcproute-parentref-attach-all, tcproute-parentref-port-and-section-name, tcproute-reference-grant and
 * tcproute-weighted-routing.
 *
 * <p>Upstream's TCP echo backends (echo-basic with TCP_ECHO_SERVER) are here plain TCP servers in the test JVM
 * ({@link TlsTestSupport#plainBackend}) behind Workloads without a command: each answers one request head with
 * {@code name=<service> namespace=<ns> plaintext}, which names the backend that a connection reached. Every upstream
 * Gateway listener has its own fixed port; here each gets a free port on 127.0.0.1. Upstream creates the newer of the
 * two routes of tcproute-multiple-routes-attachment a second after the older one; off Kubernetes the routes carry
 * their creationTimestamp, and the newer one's name sorts first, so only age can make the older one win.
 */
class TcpRouteIT {
    static ConformanceMesh c;
    static final Map<String, ServerSocket> BACKENDS = new LinkedHashMap<>();
    /** Listener ports by "gateway/listener". */
    static final Map<String, Integer> PORTS = new LinkedHashMap<>();

    /** Backends: {service, namespace}. */
    static final List<String[]> SERVICES = List.of(
            new String[] {"tcp-invalid-xns-backend", WEB},
            new String[] {"tcp-attach-backend-1", INFRA},
            new String[] {"tcp-attach-backend-2", INFRA},
            new String[] {"tcp-echo-attach-all", INFRA},
            new String[] {"tcp-echo-one", INFRA},
            new String[] {"tcp-echo-two", INFRA},
            new String[] {"tcp-echo-three", INFRA},
            new String[] {"tcp-reference-grant-backend", WEB},
            new String[] {"tcp-backend-v1", INFRA},
            new String[] {"tcp-backend-v2", INFRA},
            new String[] {"tcp-backend-v3", INFRA});

    static final List<String> LISTENERS = List.of("tcp-gateway-invalid-backend/tcp",
            "tcp-invalid-cross-namespace-backend-ref-gateway/tcp", "tcp-mixed-protocol-gateway/only-allow-http-routes",
            "tcp-multi-route-attach-gateway/tcp", "tcp-attach-all-gateway/one", "tcp-attach-all-gateway/two",
            "tcp-attach-all-gateway/three", "tcp-attach-all-gateway/four", "tcp-multi-listener-gateway/one",
            "tcp-multi-listener-gateway/two", "tcp-multi-listener-gateway/three", "tcp-reference-grant-gateway/tcp",
            "tcp-weighted-gateway/tcp");

    static String backend(String name, String ns) {
        return """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: @NAME@, namespace: @NS@}
                spec:
                  selector: {app: @NAME@}
                  ports: [{name: tcp, protocol: TCP, port: 3000, targetPort: tcp}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: @NAME@, namespace: @NS@, labels: {app: @NAME@}}
                spec:
                  ports: [{name: tcp, port: @PORT@}]
                  sidecar: {inject: false}
                """.replace("@NAME@", name).replace("@NS@", ns)
                .replace("@PORT@", String.valueOf(BACKENDS.get(name).getLocalPort()));
    }

    /** A Gateway whose listeners are {@code name: protocol} entries, each on its own port, allowing only {@code kind}. */
    static String gateway(String name, String kind, String... listeners) {
        StringBuilder y = new StringBuilder("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                """.replace("@NAME@", name));
        for (String l : listeners) {
            String[] parts = l.split(":");
            y.append("  - {name: ").append(parts[0]).append(", protocol: ").append(parts[1]).append(", port: ")
                    .append(port(name + "/" + parts[0])).append(", allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: ")
                    .append(kind).append("}]}}\n");
        }
        return y.toString();
    }

    static String tcpRoute(String name, String extraMeta, String parentRef, String backendRefs) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: @NAME@, namespace: gateway-conformance-infra@META@}
                spec:
                  parentRefs: [@PARENT@]
                  rules: [{backendRefs: [@BACKENDS@]}]
                """.replace("@NAME@", name).replace("@META@", extraMeta).replace("@PARENT@", parentRef)
                .replace("@BACKENDS@", backendRefs);
    }

    static String yaml() {
        StringBuilder y = new StringBuilder();
        for (String[] s : SERVICES) y.append(backend(s[0], s[1]));
        // tcproute-invalid-backendref-nonexistent
        y.append(gateway("tcp-gateway-invalid-backend", "TCPRoute", "tcp:TCP"));
        y.append(tcpRoute("tcp-route-invalid-backend-ref-nonexistent", "",
                "{name: tcp-gateway-invalid-backend, sectionName: tcp}", "{name: nonexistent-service, port: 8080}"));
        // tcproute-invalid-cross-namespace-backend-ref: no ReferenceGrant
        y.append(gateway("tcp-invalid-cross-namespace-backend-ref-gateway", "TCPRoute", "tcp:TCP"));
        y.append(tcpRoute("tcp-invalid-cross-namespace-backend-ref", "",
                "{name: tcp-invalid-cross-namespace-backend-ref-gateway, sectionName: tcp}",
                "{name: tcp-invalid-xns-backend, namespace: gateway-conformance-web-backend, port: 3000}"));
        // tcproute-invalid-non-tcp-listener
        y.append(gateway("tcp-mixed-protocol-gateway", "HTTPRoute", "only-allow-http-routes:HTTP"));
        y.append(tcpRoute("tcp-route", "", "{name: tcp-mixed-protocol-gateway, sectionName: only-allow-http-routes}",
                "{name: tcp-echo-backend, port: 8080}"));
        // tcproute-multiple-routes-attachment
        y.append(gateway("tcp-multi-route-attach-gateway", "TCPRoute", "tcp:TCP"));
        y.append(tcpRoute("tcproute-attach-older", ", creationTimestamp: \"2026-01-01T00:00:00Z\"",
                "{name: tcp-multi-route-attach-gateway, sectionName: tcp}", "{name: tcp-attach-backend-1, port: 3000}"));
        y.append(tcpRoute("tcproute-attach-newer", ", creationTimestamp: \"2026-01-01T00:00:01Z\"",
                "{name: tcp-multi-route-attach-gateway, sectionName: tcp}", "{name: tcp-attach-backend-2, port: 3000}"));
        // tcproute-parentref-attach-all
        y.append(gateway("tcp-attach-all-gateway", "TCPRoute", "one:TCP", "two:TCP", "three:TCP", "four:TCP"));
        y.append(tcpRoute("tcp-route-attach-all", "", "{name: tcp-attach-all-gateway}", "{name: tcp-echo-attach-all, port: 3000}"));
        // tcproute-parentref-port-and-section-name
        y.append(gateway("tcp-multi-listener-gateway", "TCPRoute", "one:TCP", "two:TCP", "three:TCP"));
        y.append(tcpRoute("tcp-route-by-port", "", "{name: tcp-multi-listener-gateway, port: "
                + port("tcp-multi-listener-gateway/one") + "}", "{name: tcp-echo-one, port: 3000}"));
        y.append(tcpRoute("tcp-route-by-section", "", "{name: tcp-multi-listener-gateway, sectionName: two}",
                "{name: tcp-echo-two, port: 3000}"));
        y.append(tcpRoute("tcp-route-by-section-and-port", "", "{name: tcp-multi-listener-gateway, sectionName: three, port: "
                + port("tcp-multi-listener-gateway/three") + "}", "{name: tcp-echo-three, port: 3000}"));
        // tcproute-reference-grant
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ReferenceGrant
                metadata: {name: tcp-reference-grant, namespace: gateway-conformance-web-backend}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: gateway-conformance-infra}]
                  to: [{group: "", kind: Service, name: tcp-reference-grant-backend}]
                """);
        y.append(gateway("tcp-reference-grant-gateway", "TCPRoute", "tcp:TCP"));
        y.append(tcpRoute("tcp-reference-grant", "", "{name: tcp-reference-grant-gateway, sectionName: tcp}",
                "{name: tcp-reference-grant-backend, namespace: gateway-conformance-web-backend, port: 3000}"));
        // tcproute-weighted-routing
        y.append(gateway("tcp-weighted-gateway", "TCPRoute", "tcp:TCP"));
        y.append(tcpRoute("tcp-weighted-route", "", "{name: tcp-weighted-gateway, sectionName: tcp}",
                "{name: tcp-backend-v1, port: 3000, weight: 70}, {name: tcp-backend-v2, port: 3000, weight: 30}, "
                        + "{name: tcp-backend-v3, port: 3000, weight: 0}"));
        return y.toString();
    }

    @BeforeAll
    static void up() throws Exception {
        for (String[] s : SERVICES) BACKENDS.put(s[0], TlsTestSupport.plainBackend(s[0], s[1]));
        for (String l : LISTENERS) PORTS.put(l, Mesh.freePort());
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        for (ServerSocket s : BACKENDS.values()) s.close();
    }

    static int port(String listener) {
        Integer p = PORTS.get(listener);
        if (p == null) throw new IllegalArgumentException("TcpRouteIT: no port for " + listener);
        return p;
    }

    // ---- helpers (upstream's TCPRouteMustHaveCondition, GatewayAndTCPRoutesMustBeAccepted, tcp.EchoSendOnce) ----

    void awaitRouteCondition(String route, String gateway, String type, String status, String reason) {
        c.awaitRouteCondition("TCPRoute", INFRA, route, gateway, type, status, reason);
    }

    void awaitGatewayAndRoutesAccepted(String gateway, String... routes) {
        c.mesh.await("Gateway " + gateway + " Programmed", ConformanceMesh.WAIT,
                () -> GatewaySecretIT.hasCondition(c.resource("Gateway", INFRA, gateway).path("status").path("conditions"),
                        "Programmed", "True", "Programmed"));
        for (String r : routes) awaitRouteCondition(r, gateway, "Accepted", "True", "Accepted");
    }

    /**
     * One connection through the gateway: a request head is sent, and the backend's answer names it
     * ({@code name=<service> namespace=<ns> plaintext}); "" when the connection is closed without an answer.
     */
    static String send(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: tcp.example.com\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int body = answer.indexOf("\r\n\r\n");
            return body < 0 ? "" : answer.substring(body + 4);
        }
    }

    /** {@link #send}, or "" when the gateway resets the connection (a backend it may not reach). */
    static String trySend(int port) {
        try {
            return send(port);
        } catch (IOException e) {
            return "";
        }
    }

    static String answerOf(String service, String ns) {
        return "name=" + service + " namespace=" + ns + " plaintext";
    }

    /** Upstream's MakeTCPRequestAndExpectEventuallyValidResponse, then a few more connections that answer the same. */
    void awaitServedBy(String listener, String service, String ns) throws IOException {
        String want = answerOf(service, ns);
        c.mesh.await(service + " answering via " + listener, ConformanceMesh.WAIT, () -> trySend(port(listener)).equals(want));
        for (int i = 0; i < 3; i++) assertThat(send(port(listener))).as("via " + listener).isEqualTo(want);
    }

    JsonNode listenerStatus(String gateway, String listener) throws IOException {
        for (JsonNode l : c.resource("Gateway", INFRA, gateway).path("status").path("listeners")) {
            if (l.path("name").asText().equals(listener)) return l;
        }
        return null;
    }

    // ---- the tests ----

    @Test
    void invalidBackendRefNonexistentIsBackendNotFound() {
        awaitRouteCondition("tcp-route-invalid-backend-ref-nonexistent", "tcp-gateway-invalid-backend", "ResolvedRefs",
                "False", "BackendNotFound");
        awaitRouteCondition("tcp-route-invalid-backend-ref-nonexistent", "tcp-gateway-invalid-backend", "Accepted",
                "True", "Accepted");
    }

    @Test
    void crossNamespaceBackendWithoutReferenceGrantIsRefNotPermitted() throws Exception {
        awaitGatewayAndRoutesAccepted("tcp-invalid-cross-namespace-backend-ref-gateway", "tcp-invalid-cross-namespace-backend-ref");
        awaitRouteCondition("tcp-invalid-cross-namespace-backend-ref", "tcp-invalid-cross-namespace-backend-ref-gateway",
                "ResolvedRefs", "False", "RefNotPermitted");
        // the backend is never reached: its connections are closed
        assertThat(trySend(port("tcp-invalid-cross-namespace-backend-ref-gateway/tcp"))).isEmpty();
    }

    @Test
    void tcpRouteOnANonTcpListenerIsNotAllowedByListeners() {
        awaitRouteCondition("tcp-route", "tcp-mixed-protocol-gateway", "Accepted", "False", "NotAllowedByListeners");
        // upstream's GatewayMustHaveZeroRoutes
        c.mesh.await("tcp-mixed-protocol-gateway has zero routes", ConformanceMesh.WAIT, () -> {
            JsonNode listeners = c.resource("Gateway", INFRA, "tcp-mixed-protocol-gateway").path("status").path("listeners");
            return listeners.size() == 1 && listeners.get(0).path("attachedRoutes").asInt(-1) == 0;
        });
    }

    @Test
    void multipleRoutesOnOneListenerAreAcceptedAndOnlyTheOldestServes() throws Exception {
        String gw = "tcp-multi-route-attach-gateway";
        awaitGatewayAndRoutesAccepted(gw, "tcproute-attach-older", "tcproute-attach-newer");
        c.mesh.await(gw + " listener tcp: TCPRoute, Accepted, 2 attached routes", ConformanceMesh.WAIT, () -> {
            JsonNode l = listenerStatus(gw, "tcp");
            return l != null && l.path("attachedRoutes").asInt() == 2
                    && l.path("supportedKinds").size() == 1
                    && l.path("supportedKinds").get(0).path("kind").asText().equals("TCPRoute")
                    && l.path("supportedKinds").get(0).path("group").asText().equals("gateway.networking.k8s.io")
                    && GatewaySecretIT.hasCondition(l.path("conditions"), "Accepted", "True", "Accepted");
        });
        awaitServedBy(gw + "/tcp", "tcp-attach-backend-1", INFRA);
        for (int i = 0; i < 100; i++) {
            assertThat(send(port(gw + "/tcp"))).as("connection %d", i).isEqualTo(answerOf("tcp-attach-backend-1", INFRA));
        }
    }

    @Test
    void parentRefWithoutSectionNameOrPortAttachesToEveryTcpListener() throws Exception {
        String gw = "tcp-attach-all-gateway";
        awaitGatewayAndRoutesAccepted(gw, "tcp-route-attach-all");
        for (String l : List.of("one", "two", "three", "four")) awaitServedBy(gw + "/" + l, "tcp-echo-attach-all", INFRA);
        JsonNode parents = c.resource("TCPRoute", INFRA, "tcp-route-attach-all").path("status").path("parents");
        assertThat(parents).hasSize(1);
        assertThat(parents.get(0).path("parentRef").path("name").asText()).isEqualTo(gw);
    }

    @Test
    void parentRefByPortBySectionNameAndByBoth() throws Exception {
        String gw = "tcp-multi-listener-gateway";
        awaitGatewayAndRoutesAccepted(gw, "tcp-route-by-port", "tcp-route-by-section", "tcp-route-by-section-and-port");
        awaitServedBy(gw + "/one", "tcp-echo-one", INFRA);
        awaitServedBy(gw + "/two", "tcp-echo-two", INFRA);
        awaitServedBy(gw + "/three", "tcp-echo-three", INFRA);
        for (String l : List.of("one", "two", "three")) {
            assertThat(listenerStatus(gw, l).path("attachedRoutes").asInt()).as("listener " + l).isEqualTo(1);
        }
    }

    @Test
    void referenceGrantAllowsTheCrossNamespaceBackendUntilItIsDeleted() throws Exception {
        String gw = "tcp-reference-grant-gateway";
        awaitGatewayAndRoutesAccepted(gw, "tcp-reference-grant");
        awaitServedBy(gw + "/tcp", "tcp-reference-grant-backend", WEB);
        Path grant = null;
        try (var files = Files.list(c.mesh.dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                String text = Files.readString(f);
                if (text.contains("kind: ReferenceGrant") && text.contains("name: tcp-reference-grant,")) grant = f;
            }
        }
        assertThat(grant).as("the ReferenceGrant's file").isNotNull();
        Files.delete(grant);
        awaitRouteCondition("tcp-reference-grant", gw, "ResolvedRefs", "False", "RefNotPermitted");
        c.mesh.await("connections via " + gw + " no longer reach the backend", ConformanceMesh.WAIT,
                () -> trySend(port(gw + "/tcp")).isEmpty());
    }

    @Test
    void latticeGetTcpRoutesShowsThemWithTheirStatus() throws Exception {
        awaitGatewayAndRoutesAccepted("tcp-weighted-gateway", "tcp-weighted-route");
        Mesh.Result list = Mesh.run("get", "tcproutes", "-n", INFRA, "--admin", "127.0.0.1:" + c.mesh.adminPort);
        assertThat(list.exit()).as(list.output()).isZero();
        assertThat(list.output()).contains("tcp-weighted-route", "tcproute-attach-older", "tcp-route-attach-all");
        Mesh.Result one = Mesh.run("get", "tcproute", "tcp-weighted-route", "-n", INFRA, "-o", "yaml", "--admin",
                "127.0.0.1:" + c.mesh.adminPort);
        assertThat(one.exit()).as(one.output()).isZero();
        assertThat(one.output()).contains("kind: TCPRoute", "Accepted", "ResolvedRefs", "weight: 70");
    }

    @Test
    void weightedBackendsShareConnectionsAndWeightZeroGetsNone() throws Exception {
        String gw = "tcp-weighted-gateway";
        awaitGatewayAndRoutesAccepted(gw, "tcp-weighted-route");
        // upstream's ExpectEchoResponse: the gateway answers (from one of the backends) before counting
        c.mesh.await("a backend answering via " + gw, ConformanceMesh.WAIT,
                () -> trySend(port(gw + "/tcp")).startsWith("name=tcp-backend-v"));
        int n = 600;
        Map<String, Integer> seen = new TreeMap<>();
        List<String> odd = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = send(port(gw + "/tcp"));
            seen.merge(a, 1, Integer::sum);
            if (!a.startsWith("name=tcp-backend-v")) odd.add(a);
        }
        assertThat(odd).as("every connection answered by a backend").isEmpty();
        assertThat(seen.getOrDefault(answerOf("tcp-backend-v3", INFRA), 0)).as("weight 0: " + seen).isZero();
        assertThat(seen.getOrDefault(answerOf("tcp-backend-v1", INFRA), 0) / (double) n).as(seen.toString())
                .isCloseTo(0.7, within(0.05));
        assertThat(seen.getOrDefault(answerOf("tcp-backend-v2", INFRA), 0) / (double) n).as(seen.toString())
                .isCloseTo(0.3, within(0.05));
    }
}
