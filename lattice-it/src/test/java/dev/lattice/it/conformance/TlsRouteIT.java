package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.APP;
import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's TLSRoute conformance tests for Passthrough listeners: tlsroute-invalid-backendref-nonexistent,
 * tlsroute-invalid-backendref-unknown-kind, tlsroute-invalid-no-matching-listener-hostname,
 * tlsroute-invalid-no-matching-listener, tlsroute-invalid-reference-grant, tlsroute-hostname-intersection and
 * tlsroute-listener-passthrough-supported-kinds.
 *
 * <p>Upstream's {@code tls-backend} and {@code tls-backend-2} are echo servers that terminate TLS with the
 * {@code tls-checks-certificate} (abc.example.com, other.example.com); here they are TLS servers in the test JVM with
 * such a certificate made by openssl, behind Workloads without a command, and they answer with their name and the SNI
 * they were asked for (proving the ClientHello went through untouched). Every upstream Gateway listens on 443 at its
 * own address; here each gets its own free port on 127.0.0.1. The mesh has only the namespaces (no base Gateways or
 * echo backends): these tests use none of them.
 */
class TlsRouteIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert backendCert;
    static TlsTestSupport.Cert gatewayCert;
    static SSLServerSocket backend1;
    static SSLServerSocket backend2;
    static SSLServerSocket appBackend;
    static final Map<String, Integer> PORTS = new LinkedHashMap<>();

    static final List<String> GATEWAYS = List.of("gateway-tlsroute-invalid-backend-ref-nonexistent",
            "gateway-tlsroute-invalid-backend-ref-unknown-kind", "gateway-tls-exact-hostname", "gateway-tls-wildcard-hostname",
            "gateway-tlsroute-tls-passthrough-only", "gateway-tlsroute-http-only", "gateway-tlsroute-https-only",
            "gateway-tlsroute-referencegrant", "gw-tlsroute-exact-hostname-x-1", "gw-tlsroute-more-specific-wc-hostname-x-2",
            "gw-tlsroute-less-specific-wc-hostname-x-3", "gw-tlsroute-empty-hostname-x-4",
            "gateway-tlsroute-passthrough-supported-kind");

    static String backends() {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend}
                  ports: [{protocol: TCP, port: 443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend, namespace: gateway-conformance-infra, labels: {app: tls-backend}}
                spec:
                  ports: [{name: tls, port: @B1@}]
                  sidecar: {inject: false}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend-2, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend-2}
                  ports: [{protocol: TCP, port: 443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend-2, namespace: gateway-conformance-infra, labels: {app: tls-backend-2}}
                spec:
                  ports: [{name: tls, port: @B2@}]
                  sidecar: {inject: false}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend, namespace: gateway-conformance-app-backend}
                spec:
                  selector: {app: tls-backend}
                  ports: [{protocol: TCP, port: 443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend, namespace: gateway-conformance-app-backend, labels: {app: tls-backend}}
                spec:
                  ports: [{name: tls, port: @B3@}]
                  sidecar: {inject: false}
                """.replace("@B1@", String.valueOf(backend1.getLocalPort()))
                .replace("@B2@", String.valueOf(backend2.getLocalPort()))
                .replace("@B3@", String.valueOf(appBackend.getLocalPort()));
    }

    /** A Gateway with one TLS Passthrough listener. */
    static String passthroughGateway(String name, String listener, String hostname, String kinds) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: @LISTENER@
                    protocol: TLS
                    port: @PORT@@HOSTNAME@
                    allowedRoutes:
                      namespaces: {from: Same}@KINDS@
                    tls: {mode: Passthrough}
                """.replace("@NAME@", name).replace("@LISTENER@", listener).replace("@PORT@", "@PORT:" + name + "@")
                .replace("@HOSTNAME@", hostname == null ? "" : "\n    hostname: \"" + hostname + "\"")
                .replace("@KINDS@", kinds == null ? "" : "\n      kinds: " + kinds);
    }

    static String tlsRoute(String name, String gateway, String sectionName, List<String> hostnames, String backendRef) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: TLSRoute
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: @GATEWAY@, namespace: gateway-conformance-infra@SECTION@}]
                  hostnames: [@HOSTNAMES@]
                  rules: [{backendRefs: [@BACKEND@]}]
                """.replace("@NAME@", name).replace("@GATEWAY@", gateway)
                .replace("@SECTION@", sectionName == null ? "" : ", sectionName: " + sectionName)
                .replace("@HOSTNAMES@", String.join(", ", hostnames.stream().map(h -> "\"" + h + "\"").toList()))
                .replace("@BACKEND@", backendRef);
    }

    static String grant(String name, String ns, String fromGroup, String fromKind, String fromNs, String toGroup,
                        String toKind, String toName) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ReferenceGrant
                metadata: {name: @NAME@, namespace: @NS@}
                spec:
                  from: [{group: @FGROUP@, kind: @FKIND@, namespace: @FNS@}]
                  to: [{group: @TGROUP@, kind: @TKIND@, name: @TONAME@}]
                """.replace("@NAME@", name).replace("@FGROUP@", fromGroup).replace("@FKIND@", fromKind)
                .replace("@FNS@", fromNs).replace("@NS@", ns).replace("@TGROUP@", toGroup).replace("@TKIND@", toKind)
                .replace("@TONAME@", toName);
    }

    static final String TLS_BACKEND = "{name: tls-backend, port: 443}";
    static final String TLS_BACKEND_2 = "{name: tls-backend-2, port: 443}";
    static final String TLS_ROUTE_KIND = "[{kind: TLSRoute}]";

    static String yaml() {
        StringBuilder y = new StringBuilder(backends());
        y.append("---\n").append(gatewayCert.secret(INFRA, "tls-validity-checks-certificate"));
        // tlsroute-invalid-backendref-nonexistent
        y.append(passthroughGateway("gateway-tlsroute-invalid-backend-ref-nonexistent", "tls", null, null));
        y.append(tlsRoute("invalid-backend-ref-nonexistent", "gateway-tlsroute-invalid-backend-ref-nonexistent", null,
                List.of("example.com"), "{name: nonexistent, namespace: gateway-conformance-infra, port: 443}"));
        // tlsroute-invalid-backendref-unknown-kind
        y.append(passthroughGateway("gateway-tlsroute-invalid-backend-ref-unknown-kind", "tls", null, null));
        y.append(tlsRoute("invalid-backend-ref-unknown-kind", "gateway-tlsroute-invalid-backend-ref-unknown-kind", null,
                List.of("example.com"), "{group: unknownkind.example.com, kind: NonExistent, name: tls-backend, port: 443}"));
        // tlsroute-invalid-no-matching-listener-hostname
        y.append(passthroughGateway("gateway-tls-exact-hostname", "tls", "www.example.com", TLS_ROUTE_KIND));
        y.append(passthroughGateway("gateway-tls-wildcard-hostname", "tls", "*.example.com", TLS_ROUTE_KIND));
        y.append(tlsRoute("tlsroute-hostname-mismatch-1", "gateway-tls-exact-hostname", null,
                List.of("www.nomatch.com", "*.nomatch.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-hostname-mismatch-2", "gateway-tls-wildcard-hostname", null,
                List.of("www.different.com", "*.different.com"), TLS_BACKEND));
        // tlsroute-invalid-no-matching-listener
        y.append(passthroughGateway("gateway-tlsroute-tls-passthrough-only", "tls-passthrough", null, null));
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute-http-only, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: http, port: @PORT:gateway-tlsroute-http-only@, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute-https-only, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: https
                    port: @PORT:gateway-tlsroute-https-only@
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls:
                      mode: Terminate
                      certificateRefs: [{name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]
                """);
        y.append(tlsRoute("tlsroute-not-allowed-protocol-http", "gateway-tlsroute-http-only", null,
                List.of("tls.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-not-allowed-protocol-https", "gateway-tlsroute-https-only", null,
                List.of("tls.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-no-matching-section-name", "gateway-tlsroute-tls-passthrough-only",
                "nonexistent-listener", List.of("tls.example.com"), TLS_BACKEND));
        // tlsroute-invalid-reference-grant: grants that each miss in one respect
        String gw = "gateway.networking.k8s.io";
        y.append(grant("reference-grant-wrong-namespace", INFRA, gw, "TLSRoute", INFRA, "\"\"", "Service", "tls-backend"));
        y.append(grant("reference-grant-wrong-from-group", APP, "not-the-group-youre-looking-for", "TLSRoute", INFRA, "\"\"",
                "Service", "tls-backend"));
        y.append(grant("reference-grant-wrong-from-kind", APP, gw, "Gateway", INFRA, "\"\"", "Service", "tls-backend"));
        y.append(grant("reference-grant-wrong-from-namespace", APP, gw, "TLSRoute", "not-the-namespace-youre-looking-for",
                "\"\"", "Service", "tls-backend"));
        y.append(grant("reference-grant-wrong-to-group", APP, gw, "TLSRoute", INFRA, "not-the-group-youre-looking-for",
                "Service", "tls-backend"));
        y.append(grant("reference-grant-wrong-to-kind", APP, gw, "TLSRoute", INFRA, "\"\"", "Secret", "tls-backend"));
        y.append(grant("reference-grant-wrong-to-name", APP, gw, "TLSRoute", INFRA, "\"\"", "Service",
                "not-the-service-youre-looking-for"));
        y.append(tlsRoute("gateway-conformance-infra-test", "gateway-tlsroute-referencegrant", null,
                List.of("abc.example.com"), "{name: tls-backend, namespace: gateway-conformance-app-backend, port: 443}"));
        y.append(passthroughGateway("gateway-tlsroute-referencegrant", "https", "*.example.com", TLS_ROUTE_KIND));
        // tlsroute-hostname-intersection
        y.append(passthroughGateway("gw-tlsroute-exact-hostname-x-1", "listener-exact-hostname", "abc.example.com", TLS_ROUTE_KIND));
        y.append(passthroughGateway("gw-tlsroute-more-specific-wc-hostname-x-2", "listener-more-specific-wc-hostname",
                "*.example.com", TLS_ROUTE_KIND));
        y.append(passthroughGateway("gw-tlsroute-less-specific-wc-hostname-x-3", "listener-less-specific-wc-hostname",
                "*.com", TLS_ROUTE_KIND));
        y.append(passthroughGateway("gw-tlsroute-empty-hostname-x-4", "listener-empty-hostname", null, TLS_ROUTE_KIND));
        y.append(tlsRoute("tlsroute-more-specific-wc-hostname-x-1", "gw-tlsroute-exact-hostname-x-1", null,
                List.of("*.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-exact-hostname-x-2", "gw-tlsroute-more-specific-wc-hostname-x-2", null,
                List.of("abc.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-less-specific-wc-hostname-x-2", "gw-tlsroute-more-specific-wc-hostname-x-2", null,
                List.of("*.com"), TLS_BACKEND_2));
        y.append(tlsRoute("tlsroute-exact-hostname-x-3", "gw-tlsroute-less-specific-wc-hostname-x-3", null,
                List.of("abc.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-more-specific-wc-hostname-x-3", "gw-tlsroute-less-specific-wc-hostname-x-3", null,
                List.of("*.example.com"), TLS_BACKEND_2));
        y.append(tlsRoute("tlsroute-exact-hostname-x-4", "gw-tlsroute-empty-hostname-x-4", null,
                List.of("abc.example.com"), TLS_BACKEND));
        y.append(tlsRoute("tlsroute-less-specific-wc-hostname-x-4", "gw-tlsroute-empty-hostname-x-4", null,
                List.of("*.com"), TLS_BACKEND_2));
        // tlsroute-listener-passthrough-supported-kinds
        y.append(passthroughGateway("gateway-tlsroute-passthrough-supported-kind", "tls-passthrough", null,
                "[{kind: TCPRoute}, {kind: TLSRoute}]"));
        String text = y.toString();
        for (var e : PORTS.entrySet()) text = text.replace("@PORT:" + e.getKey() + "@", String.valueOf(e.getValue()));
        assertThat(text).doesNotContain("@PORT:");
        return text;
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        backendCert = TlsTestSupport.selfSigned(certs, "tls-checks", "abc.example.com", "abc.example.com", "other.example.com");
        gatewayCert = TlsTestSupport.selfSigned(certs, "validity", "tls-validity-checks", "example.org", "*.org");
        backend1 = TlsTestSupport.tlsBackend(backendCert, "tls-backend", INFRA);
        backend2 = TlsTestSupport.tlsBackend(backendCert, "tls-backend-2", INFRA);
        appBackend = TlsTestSupport.tlsBackend(backendCert, "tls-backend", APP);
        for (String g : GATEWAYS) PORTS.put(g, Mesh.freePort());
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        for (SSLServerSocket s : new SSLServerSocket[] {backend1, backend2, appBackend}) {
            if (s != null) s.close();
        }
        TlsTestSupport.deleteTree(certs);
    }

    static int port(String gateway) {
        return PORTS.get(gateway);
    }

    // ---- status helpers (upstream's TLSRouteMustHaveCondition, TLSRouteMustHaveNoAcceptedParents, ...) ----

    void awaitRouteCondition(String route, String gateway, String type, String status, String reason) {
        c.awaitRouteCondition("TLSRoute", INFRA, route, gateway, type, status, reason);
    }

    /** Upstream's GatewayAndTLSRoutesMustBeAccepted: the Gateway is Programmed and each route Accepted by it. */
    void awaitGatewayAndRoutesAccepted(String gateway, String... routes) {
        c.mesh.await("Gateway " + gateway + " Programmed", ConformanceMesh.WAIT,
                () -> GatewaySecretIT.hasCondition(c.resource("Gateway", INFRA, gateway).path("status").path("conditions"),
                        "Programmed", "True", "Programmed"));
        for (String r : routes) awaitRouteCondition(r, gateway, "Accepted", "True", "Accepted");
    }

    /** Upstream's TLSRouteMustHaveNoAcceptedParents: one parent at most, and it is not Accepted. */
    void awaitNoAcceptedParents(String route) {
        c.mesh.await("TLSRoute " + route + " has no accepted parent", ConformanceMesh.WAIT, () -> {
            JsonNode parents = c.resource("TLSRoute", INFRA, route).path("status").path("parents");
            if (parents.size() > 1) return false;
            return parents.isEmpty() || GatewaySecretIT.hasCondition(parents.get(0).path("conditions"), "Accepted", "False", null);
        });
    }

    /** Upstream's GatewayMustHaveZeroRoutes: no listener in status, or exactly one with attachedRoutes 0. */
    void awaitZeroRoutes(String gateway) {
        c.mesh.await("Gateway " + gateway + " has zero routes", ConformanceMesh.WAIT, () -> {
            JsonNode listeners = c.resource("Gateway", INFRA, gateway).path("status").path("listeners");
            return listeners.isEmpty() || (listeners.size() == 1 && listeners.get(0).path("attachedRoutes").asInt(-1) == 0);
        });
    }

    // ---- traffic helpers ----

    /** Waits until a TLS request with this SNI through the gateway is answered by {@code backend} (via passthrough). */
    void awaitServedBy(String gateway, String sni, String backend) {
        String want = "name=" + backend + " namespace=" + INFRA + " sni=" + sni;
        c.mesh.await(backend + " answering SNI " + sni + " via " + gateway, ConformanceMesh.WAIT,
                () -> TlsTestSupport.exchange(port(gateway), sni, backendCert.x509(), sni).body().equals(want));
        // eventually consistent, as upstream: the next answers are the same
        for (int i = 0; i < 3; i++) {
            TlsTestSupport.Exchange e;
            try {
                e = TlsTestSupport.exchange(port(gateway), sni, backendCert.x509(), sni);
            } catch (Exception ex) {
                throw new AssertionError("SNI " + sni + " via " + gateway + ": " + ex, ex);
            }
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.body()).isEqualTo(want);
            assertThat(e.peer()).as("the backend's own certificate: the gateway did not terminate").isEqualTo(backendCert.x509());
        }
    }

    /** Upstream's MakeTLSConnectionAndExpectEventuallyConnectionRejection, then a few more tries that are rejected too. */
    void awaitRejected(String gateway, String sni) {
        c.mesh.await("SNI " + sni + " rejected via " + gateway, ConformanceMesh.WAIT, () -> TlsTestSupport.rejected(port(gateway), sni));
        for (int i = 0; i < 3; i++) {
            assertThat(TlsTestSupport.rejected(port(gateway), sni)).as("SNI " + sni + " via " + gateway).isTrue();
        }
    }

    // ---- the tests ----

    @Test
    void invalidBackendRefNonexistentIsBackendNotFoundAndRejected() {
        String gw = "gateway-tlsroute-invalid-backend-ref-nonexistent";
        awaitGatewayAndRoutesAccepted(gw, "invalid-backend-ref-nonexistent");
        awaitRouteCondition("invalid-backend-ref-nonexistent", gw, "ResolvedRefs", "False", "BackendNotFound");
        awaitRejected(gw, "example.com");
    }

    @Test
    void invalidBackendRefUnknownKindIsInvalidKindAndRejected() {
        String gw = "gateway-tlsroute-invalid-backend-ref-unknown-kind";
        awaitGatewayAndRoutesAccepted(gw, "invalid-backend-ref-unknown-kind");
        awaitRouteCondition("invalid-backend-ref-unknown-kind", gw, "ResolvedRefs", "False", "InvalidKind");
        awaitRejected(gw, "example.com");
    }

    @Test
    void noMatchingListenerHostnameIsNotAccepted() {
        awaitRouteCondition("tlsroute-hostname-mismatch-1", "gateway-tls-exact-hostname", "Accepted", "False",
                "NoMatchingListenerHostname");
        awaitRouteCondition("tlsroute-hostname-mismatch-2", "gateway-tls-wildcard-hostname", "Accepted", "False",
                "NoMatchingListenerHostname");
        awaitNoAcceptedParents("tlsroute-hostname-mismatch-1");
        awaitNoAcceptedParents("tlsroute-hostname-mismatch-2");
        awaitZeroRoutes("gateway-tls-exact-hostname");
        awaitZeroRoutes("gateway-tls-wildcard-hostname");
    }

    @Test
    void noMatchingListenerIsNotAllowedByListenersOrNoMatchingParent() {
        awaitRouteCondition("tlsroute-not-allowed-protocol-http", "gateway-tlsroute-http-only", "Accepted", "False",
                "NotAllowedByListeners");
        awaitRouteCondition("tlsroute-not-allowed-protocol-https", "gateway-tlsroute-https-only", "Accepted", "False",
                "NotAllowedByListeners");
        awaitRouteCondition("tlsroute-no-matching-section-name", "gateway-tlsroute-tls-passthrough-only", "Accepted", "False",
                "NoMatchingParent");
        awaitNoAcceptedParents("tlsroute-not-allowed-protocol-http");
        awaitNoAcceptedParents("tlsroute-not-allowed-protocol-https");
        awaitNoAcceptedParents("tlsroute-no-matching-section-name");
        awaitZeroRoutes("gateway-tlsroute-http-only");
        awaitZeroRoutes("gateway-tlsroute-https-only");
    }

    @Test
    void backendInAnotherNamespaceWithoutAMatchingReferenceGrantIsRefNotPermitted() {
        String gw = "gateway-tlsroute-referencegrant";
        awaitGatewayAndRoutesAccepted(gw, "gateway-conformance-infra-test");
        awaitRouteCondition("gateway-conformance-infra-test", gw, "ResolvedRefs", "False", "RefNotPermitted");
        // beyond upstream: the ungranted backend gets no connection
        awaitRejected(gw, "abc.example.com");
    }

    @Test
    void hostnameIntersectionWithAnExactListenerHostname() {
        String gw = "gw-tlsroute-exact-hostname-x-1";
        awaitGatewayAndRoutesAccepted(gw, "tlsroute-more-specific-wc-hostname-x-1");
        awaitRouteCondition("tlsroute-more-specific-wc-hostname-x-1", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitServedBy(gw, "abc.example.com", "tls-backend");
        awaitRejected(gw, "non.matching.com");
    }

    @Test
    void hostnameIntersectionWithAMoreSpecificWildcardListenerHostname() {
        String gw = "gw-tlsroute-more-specific-wc-hostname-x-2";
        awaitGatewayAndRoutesAccepted(gw, "tlsroute-exact-hostname-x-2", "tlsroute-less-specific-wc-hostname-x-2");
        awaitRouteCondition("tlsroute-exact-hostname-x-2", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitRouteCondition("tlsroute-less-specific-wc-hostname-x-2", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitServedBy(gw, "abc.example.com", "tls-backend");
        awaitServedBy(gw, "other.example.com", "tls-backend-2");
        awaitRejected(gw, "non.matching.com");
    }

    @Test
    void hostnameIntersectionWithALessSpecificWildcardListenerHostname() {
        String gw = "gw-tlsroute-less-specific-wc-hostname-x-3";
        awaitGatewayAndRoutesAccepted(gw, "tlsroute-exact-hostname-x-3", "tlsroute-more-specific-wc-hostname-x-3");
        awaitRouteCondition("tlsroute-exact-hostname-x-3", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitRouteCondition("tlsroute-more-specific-wc-hostname-x-3", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitServedBy(gw, "abc.example.com", "tls-backend");
        awaitServedBy(gw, "other.example.com", "tls-backend-2");
        awaitRejected(gw, "non.matching.com");
    }

    @Test
    void hostnameIntersectionWithAnEmptyListenerHostname() {
        String gw = "gw-tlsroute-empty-hostname-x-4";
        awaitGatewayAndRoutesAccepted(gw, "tlsroute-exact-hostname-x-4", "tlsroute-less-specific-wc-hostname-x-4");
        awaitRouteCondition("tlsroute-exact-hostname-x-4", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitRouteCondition("tlsroute-less-specific-wc-hostname-x-4", gw, "ResolvedRefs", "True", "ResolvedRefs");
        awaitServedBy(gw, "abc.example.com", "tls-backend");
        awaitServedBy(gw, "other.example.com", "tls-backend-2");
        awaitRejected(gw, "non.matching.org");
    }

    @Test
    void passthroughListenerSupportsTlsRouteOnlyAndRejectsTcpRouteKind() {
        String gwName = "gateway-tlsroute-passthrough-supported-kind";
        c.mesh.await(gwName + " listener tls-passthrough: supportedKinds [TLSRoute], InvalidRouteKinds", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gwName);
            JsonNode listeners = gw.path("status").path("listeners");
            if (listeners.size() != 1) return false;
            JsonNode l = GatewaySecretIT.listener(gw, "tls-passthrough");
            JsonNode kinds = l.path("supportedKinds");
            return kinds.size() == 1 && kinds.get(0).path("kind").asText().equals("TLSRoute")
                    && kinds.get(0).path("group").asText().equals("gateway.networking.k8s.io")
                    && l.path("attachedRoutes").asInt(-1) == 0
                    && GatewaySecretIT.hasCondition(l.path("conditions"), "ResolvedRefs", "False", "InvalidRouteKinds");
        });
    }
}
