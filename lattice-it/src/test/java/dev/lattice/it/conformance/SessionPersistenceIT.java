package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HTTPRoute session persistence (GEP-1619; upstream has no conformance test for it yet, so this follows the GEP): one
 * Service {@code sticky} with three echo Workloads behind a route on the {@code same-namespace} Gateway. A cookie
 * (or header) session keeps every request on its endpoint; without one, requests spread; when the session's endpoint
 * leaves the Service (its Workload's labels are edited while the mesh runs) the request falls back to the balancer
 * and a new cookie names the new endpoint. In the mesh, a GAMMA route on the same Service keeps a client sidecar's
 * header session on its endpoint.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionPersistenceIT {
    static ConformanceMesh c;
    static int same;
    static final String HOST = "sticky.example";

    static String workload(int i) {
        return """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: sticky-@N@, namespace: gateway-conformance-infra, labels: {app: sticky}}
                spec:
                  ports: [{name: http, port: ${PORT@N@}}]
                  command: [lattice, echo, --port, "${PORT@N@}", --name, sticky-@N@, --namespace, gateway-conformance-infra]
                  sidecar: {inject: false}
                """.replace("@N@", String.valueOf(i));
    }

    static final String YAML = """
            apiVersion: v1
            kind: Service
            metadata: {name: sticky, namespace: gateway-conformance-infra}
            spec:
              selector: {app: sticky}
              ports: [{name: http, port: 8080, targetPort: http}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: session-persistence, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [sticky.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /cookie}}]
                sessionPersistence:
                  sessionName: lattice-session
                  type: Cookie
                  absoluteTimeout: 1h
                  cookieConfig: {lifetimeType: Permanent}
                backendRefs: [{name: sticky, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /header}}]
                sessionPersistence: {sessionName: x-lattice-session, type: Header}
                backendRefs: [{name: sticky, port: 8080}]
              - matches: [{path: {type: Exact, value: /default}}]
                sessionPersistence: {}
                backendRefs: [{name: sticky, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /none}}]
                backendRefs: [{name: sticky, port: 8080}]
            ---
            # the same Service in the mesh (GAMMA producer route): a client's sidecar keeps its session by header
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: session-persistence-mesh, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{group: "", kind: Service, name: sticky, port: 8080}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /mesh}}]
                sessionPersistence: {sessionName: x-mesh-session, type: Header}
                backendRefs: [{name: sticky, port: 8080}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: gateway-conformance-infra, labels: {app: client}}
            spec:
              ports: [{name: http, port: ${PORT4}}]
              sidecar: {outboundPort: ${PORT5}}
            """ + workload(1) + workload(2) + workload(3);

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(YAML);
        same = c.port("SAME");
        c.mesh.await("the route serving through all three sticky endpoints", java.time.Duration.ofSeconds(90),
                () -> ConformanceMesh.distribution(same, HOST, "/none", 30).keySet()
                        .equals(Set.of("sticky-1", "sticky-2", "sticky-3")));
        c.awaitRouteCondition("HTTPRoute", INFRA, "session-persistence", "same-namespace", "Accepted", "True", "Accepted");
    }

    @AfterAll
    static void down() {
        if (c != null) c.close();
    }

    /** The value of the Set-Cookie named {@code name} in the reply (asserting there is exactly one). */
    private static String cookie(Reply r, String name) {
        var all = r.headers().allValues("set-cookie");
        assertThat(all).as(r.toString()).hasSize(1);
        String sc = all.get(0);
        assertThat(sc).as(r.toString()).startsWith(name + "=");
        return sc.substring(name.length() + 1, sc.indexOf(';'));
    }

    /** The port a session value names (base64 of "ip:port"). */
    private static int namedPort(String value) {
        String plain = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        String key = plain.contains(";") ? plain.substring(0, plain.indexOf(';')) : plain;
        return Integer.parseInt(key.substring(key.lastIndexOf(':') + 1));
    }

    private static String workloadOfPort(int port) {
        for (int i = 1; i <= 3; i++) {
            if (c.port("PORT" + i) == port) return "sticky-" + i;
        }
        return "port " + port;
    }

    @Test
    @Order(1)
    void aCookieSessionKeepsAHundredRequestsOnOneEndpoint() {
        Reply first = get(same, HOST, "/cookie/cart");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        String setCookie = first.header("set-cookie");
        assertThat(setCookie).as(first.toString()).matches("lattice-session=[A-Za-z0-9+/=]+; Path=/cookie; Max-Age=3600; HttpOnly");
        String value = cookie(first, "lattice-session");
        String pinned = first.backend();
        assertThat(workloadOfPort(namedPort(value))).isEqualTo(pinned);
        for (int i = 0; i < 100; i++) {
            Reply r = get(same, HOST, "/cookie/cart", Map.of("Cookie", "theme=dark; lattice-session=" + value));
            assertThat(r.backend()).as("request " + i + ": " + r).isEqualTo(pinned);
            assertThat(r.header("set-cookie")).as("an honoured session is not re-issued").isNull();
        }
    }

    @Test
    @Order(2)
    void withoutTheCookieRequestsSpreadAndEachGetsItsOwnCookie() {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            Reply r = get(same, HOST, "/cookie/cart");
            seen.add(r.backend());
            assertThat(workloadOfPort(namedPort(cookie(r, "lattice-session")))).as(r.toString()).isEqualTo(r.backend());
        }
        assertThat(seen).containsExactly("sticky-1", "sticky-2", "sticky-3");
    }

    @Test
    @Order(3)
    void aHeaderSessionKeepsAHundredRequestsOnOneEndpoint() {
        Reply first = get(same, HOST, "/header/x");
        String value = first.header("x-lattice-session");
        assertThat(value).as(first.toString()).isNotNull();
        assertThat(first.header("set-cookie")).isNull();
        String pinned = first.backend();
        assertThat(workloadOfPort(namedPort(value))).isEqualTo(pinned);
        for (int i = 0; i < 100; i++) {
            Reply r = get(same, HOST, "/header/x", Map.of("X-Lattice-Session", value));
            assertThat(r.backend()).as("request " + i + ": " + r).isEqualTo(pinned);
        }
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            seen.add(get(same, HOST, "/header/x").backend());
        }
        assertThat(seen).as("without the header").hasSizeGreaterThan(1);
    }

    @Test
    @Order(4)
    void aHeaderSessionThroughAClientsSidecarKeepsItsEndpoint() {
        int sidecar = c.port("PORT5");
        c.mesh.await("the mesh route serving through the client's sidecar", ConformanceMesh.WAIT,
                () -> get(sidecar, "sticky:8080", "/mesh/x").header("x-mesh-session") != null);
        Reply first = get(sidecar, "sticky:8080", "/mesh/x");
        String value = first.header("x-mesh-session");
        String pinned = first.backend();
        assertThat(workloadOfPort(namedPort(value))).as(first.toString()).isEqualTo(pinned);
        for (int i = 0; i < 50; i++) {
            Reply r = get(sidecar, "sticky:8080", "/mesh/x", Map.of("X-Mesh-Session", value));
            assertThat(r.backend()).as("request " + i + ": " + r).isEqualTo(pinned);
            assertThat(r.header("x-mesh-session")).as("an honoured session is not re-issued").isNull();
        }
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            seen.add(get(sidecar, "sticky:8080", "/mesh/x").backend());
        }
        assertThat(seen).as("without the header").hasSizeGreaterThan(1);
    }

    @Test
    @Order(5)
    void withoutASessionNameTheCookieIsNamedAfterRouteAndRuleAndIsASessionCookie() {
        Reply r = get(same, HOST, "/default");
        assertThat(r.header("set-cookie")).as(r.toString())
                .matches("httproute-gateway-conformance-infra-session-persistence-rule-2=[A-Za-z0-9+/=]+; Path=/default; HttpOnly");
        assertThat(get(same, HOST, "/none/x").header("set-cookie")).isNull();
    }

    @Test
    @Order(6)
    void whenItsEndpointLeavesTheServiceTheSessionFallsBackAndANewCookieIsIssued() throws Exception {
        Reply first = get(same, HOST, "/cookie/cart");
        String value = cookie(first, "lattice-session");
        String gone = first.backend();
        Path file = c.fileOf(gone);
        Files.writeString(file, Files.readString(file).replace("labels: {app: sticky}", "labels: {app: retired}"));
        c.mesh.await(gone + " no longer serving the session", ConformanceMesh.WAIT,
                () -> !get(same, HOST, "/cookie/cart", Map.of("Cookie", "lattice-session=" + value)).backend().equals(gone));
        Reply fallback = get(same, HOST, "/cookie/cart", Map.of("Cookie", "lattice-session=" + value));
        assertThat(fallback.backend()).as(fallback.toString()).isNotEqualTo(gone).startsWith("sticky-");
        String renewed = cookie(fallback, "lattice-session");
        assertThat(workloadOfPort(namedPort(renewed))).isEqualTo(fallback.backend());
        for (int i = 0; i < 30; i++) {
            Reply r = get(same, HOST, "/cookie/cart", Map.of("Cookie", "lattice-session=" + renewed));
            assertThat(r.backend()).as(r.toString()).isEqualTo(fallback.backend());
        }
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            seen.add(get(same, HOST, "/none/x").backend());
        }
        assertThat(seen).doesNotContain(gone).hasSize(2);
    }
}
