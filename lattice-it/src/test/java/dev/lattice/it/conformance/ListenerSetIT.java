package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's ListenerSet conformance tests (feature ListenerSet, gateway.networking.k8s.io/v1 kind ListenerSet), all
 * thirteen: listenerset-allowed-namespace-none, -same and -selector, listenerset-default-not-allowed,
 * listenerset-allowed-routes-namespaces, listenerset-allowed-routes-supported-kinds,
 * listenerset-dual-parentref-independence, listenerset-gateway-parent-section-name-not-found,
 * listenerset-hostname-conflict, listenerset-protocol-conflict, listenerset-http-routing, listenerset-reference-grant
 * and listenerset-route-status-scoped-to-parentref.
 *
 * <p>Upstream every Gateway and its ListenerSets listen on 80 (443 for TLS) at the Gateway's own address; here each
 * Gateway gets a free port of its own, and its ListenerSets' listeners use that same port (so hostname and protocol
 * conflicts stay conflicts), with a second free port where upstream uses 443 next to 80. Requests go to
 * 127.0.0.1 on the Gateway's port with the Host header. The {@code certificate} Secret that upstream's suite makes at
 * start-up in gateway-conformance-web-backend is made here by openssl for the run.
 */
class ListenerSetIT {
    static ConformanceMesh c;
    static Path certs;

    static final String GROUP = "gateway.networking.k8s.io";
    static final String CONTROLLER = "lattice.dev/gateway-controller";

    static final String NOT_ALLOWED_NS = "gateway-api-listenerset-not-allowed-ns";
    static final String SELECTOR_ALLOWED_NS = "gateway-api-listenerset-selector-allowed-ns";
    static final String SELECTOR_NOT_ALLOWED_NS = "gateway-api-listenerset-selector-not-allowed-ns";
    static final String ROUTES_ALLOWED_NS = "gateway-api-routes-allowed-ns";
    static final String ROUTES_NOT_ALLOWED_NS = "gateway-api-routes-not-allowed-ns";
    static final String LS_CROSS_NS = "gateway-api-ls-cross-ns";
    static final String GRANT_TEST_NS = "gateway-api-listener-sets-test-reference-grant-ns";

    /** A Gateway in gateway-conformance-infra with the given allowedListeners (null: not written) and listeners. */
    static String gateway(String name, String allowedListeners, String listeners) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                @LISTENERS@@ALLOWED@""".replace("@NAME@", name).replace("@LISTENERS@", listeners)
                .replace("@ALLOWED@", allowedListeners == null ? "" : "  allowedListeners:\n    namespaces: " + allowedListeners + "\n");
    }

    /** A ListenerSet whose parentRef names a Gateway in gateway-conformance-infra (group and kind written out). */
    static String listenerSet(String ns, String name, String gateway, String listeners) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ListenerSet
                metadata: {name: @NAME@, namespace: @NS@}
                spec:
                  parentRef: {group: gateway.networking.k8s.io, kind: Gateway, name: @GW@, namespace: gateway-conformance-infra}
                  listeners:
                @LISTENERS@""".replace("@NAME@", name).replace("@NS@", ns).replace("@GW@", gateway)
                .replace("@LISTENERS@", listeners);
    }

    /** One HTTP listener entry (indented for a listeners list) with allowedRoutes namespaces {@code from}. */
    static String http(String name, String port, String hostname, String from) {
        return "  - {name: " + name + ", port: ${" + port + "}, protocol: HTTP, hostname: \"" + hostname
                + "\", allowedRoutes: {namespaces: {from: " + from + "}}}\n";
    }

    static String namespace(String name, String labels) {
        return "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: " + name
                + (labels == null ? "" : ", labels: " + labels) + "}\n";
    }

    /** An HTTPRoute with one PathPrefix rule to a Service in gateway-conformance-infra. */
    static String route(String ns, String name, String parentRefs, String prefix, String backend) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: @NAME@, namespace: @NS@}
                spec:
                  parentRefs: @PARENTS@
                  rules:
                  - matches: [{path: {type: PathPrefix, value: @PREFIX@}}]
                    backendRefs: [{name: @BACKEND@, namespace: gateway-conformance-infra, port: 8080}]
                """.replace("@NAME@", name).replace("@NS@", ns).replace("@PARENTS@", parentRefs)
                .replace("@PREFIX@", prefix).replace("@BACKEND@", backend);
    }

    static String gatewayRef(String name, String sectionName) {
        return "{name: " + name + ", namespace: gateway-conformance-infra"
                + (sectionName == null ? "" : ", sectionName: " + sectionName) + "}";
    }

    static String listenerSetRef(String ns, String name, String sectionName) {
        return "{group: gateway.networking.k8s.io, kind: ListenerSet, name: " + name + ", namespace: " + ns
                + (sectionName == null ? "" : ", sectionName: " + sectionName) + "}";
    }

    static String yaml(TlsTestSupport.Cert cert) {
        StringBuilder y = new StringBuilder();
        // listenerset-allowed-namespace-none
        y.append(gateway("gateway-does-not-allow-listenerset", "{from: None}",
                http("gateway-listener", "PORT1", "gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-not-allowed", "gateway-does-not-allow-listenerset",
                http("listener-set-listener", "PORT1", "listener-set-listener.com", "All")));
        // listenerset-allowed-namespace-same
        y.append(gateway("gateway-allows-listenerset-in-same-namespace", "{from: Same}",
                http("gateway-listener", "PORT2", "gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-in-same-namespace", "gateway-allows-listenerset-in-same-namespace",
                http("listenerset-in-same-namespace-listener", "PORT2", "listenerset-in-same-namespace-listener.com", "All")));
        y.append(namespace(NOT_ALLOWED_NS, null));
        y.append(listenerSet(NOT_ALLOWED_NS, "listenerset-in-different-namespace", "gateway-allows-listenerset-in-same-namespace",
                http("listenerset-in-different-namespace-listener", "PORT2", "listenerset-in-different-namespace-listener", "All")));
        // listenerset-allowed-namespace-selector
        y.append(gateway("gateway-allows-listenerset-in-selected-namespace",
                "{from: Selector, selector: {matchLabels: {allowed: ns}}}",
                http("gateway-listener", "PORT3", "gateway-listener.com", "All")));
        y.append(namespace(SELECTOR_ALLOWED_NS, "{allowed: ns}"));
        y.append(listenerSet(SELECTOR_ALLOWED_NS, "listenerset-in-selected-namespace",
                "gateway-allows-listenerset-in-selected-namespace",
                http("listenerset-in-selected-namespace-listener", "PORT3", "listenerset-in-selected-namespace-listener.com", "All")));
        y.append(namespace(SELECTOR_NOT_ALLOWED_NS, null));
        y.append(listenerSet(SELECTOR_NOT_ALLOWED_NS, "listenerset-not-in-selected-namespace",
                "gateway-allows-listenerset-in-selected-namespace",
                http("listenerset-not-in-selected-namespace-listener", "PORT3", "listenerset-not-in-selected-namespace-listener.com", "All")));
        // listenerset-allowed-routes-namespaces
        y.append(gateway("gateway-with-listener-sets-test-allowed-routes", "{from: All}",
                http("gateway-listener", "PORT4", "gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-test-allowed-routes-namespaces", "gateway-with-listener-sets-test-allowed-routes",
                http("listener-set-listener-allowed-routes-all", "PORT4", "listener-set-listener-allowed-routes-all.com", "All")
                        + http("listener-set-listener-allowed-routes-same", "PORT4", "listener-set-listener-allowed-routes-same.com", "Same")
                        + http("listener-set-listener-allowed-routes-selector", "PORT4", "listener-set-listener-allowed-routes-selector.com",
                        "Selector, selector: {matchLabels: {allowed: ns}}")));
        String allowedRoutesLs = listenerSetRef(INFRA, "listenerset-test-allowed-routes-namespaces", null);
        y.append(route(INFRA, "route-in-same-namespace", "[" + allowedRoutesLs + "]", "/route-in-same-namespace", "infra-backend-v1"));
        y.append(namespace(ROUTES_ALLOWED_NS, "{allowed: ns}"));
        y.append(route(ROUTES_ALLOWED_NS, "route-in-selected-namespace", "[" + allowedRoutesLs + "]",
                "/route-in-selected-namespace", "infra-backend-v2"));
        y.append(namespace(ROUTES_NOT_ALLOWED_NS, null));
        y.append(route(ROUTES_NOT_ALLOWED_NS, "route-not-in-selected-namespace", "[" + allowedRoutesLs + "]",
                "/route-not-in-selected-namespace", "infra-backend-v3"));
        y.append(namespace(LS_CROSS_NS, null));
        y.append(listenerSet(LS_CROSS_NS, "listenerset-test-allowed-routes-cross-ns", "gateway-with-listener-sets-test-allowed-routes",
                http("listener-set-listener-allowed-routes-cross-ns-same", "PORT4", "listener-set-listener-allowed-routes-cross-ns-same.com", "Same")));
        String crossLs = listenerSetRef(LS_CROSS_NS, "listenerset-test-allowed-routes-cross-ns", null);
        y.append(route(LS_CROSS_NS, "route-in-listenerset-namespace", "[" + crossLs + "]", "/route-in-listenerset-namespace", "infra-backend-v1"));
        y.append(route(INFRA, "route-in-gateway-namespace", "[" + crossLs + "]", "/route-in-gateway-namespace", "infra-backend-v2"));
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ReferenceGrant
                metadata: {name: listenerset-test-allowed-routes-namespaces-reference-grant, namespace: gateway-conformance-infra}
                spec:
                  from:
                  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-api-routes-allowed-ns}
                  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-api-routes-not-allowed-ns}
                  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-api-ls-cross-ns}
                  to:
                  - {group: "", kind: Service}
                """);
        // listenerset-allowed-routes-supported-kinds: a TLS Passthrough listener that allows only HTTPRoute
        y.append(gateway("gateway-with-listener-sets-test-supported-route-kinds", "{from: All}",
                http("gateway-listener", "PORT5", "gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-test-allowed-routes-supported-kinds", "gateway-with-listener-sets-test-supported-route-kinds", """
                  - name: listener-set-listener-allowed-routes-tls-only
                    port: ${PORT6}
                    protocol: TLS
                    hostname: "listener-set-listener-allowed-routes-tls-only.com"
                    allowedRoutes:
                      namespaces: {from: All}
                      kinds: [{kind: HTTPRoute}]
                    tls: {mode: Passthrough}
                """));
        // listenerset-default-not-allowed: no allowedListeners at all
        y.append(gateway("gateway-default-does-not-allow-listenerset", null,
                http("gateway-listener", "PORT7", "gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-default-not-allowed", "gateway-default-does-not-allow-listenerset",
                http("listenerset-default-not-allowed-listener", "PORT7", "listenerset-default-not-allowed-listener.com", "All")));
        // listenerset-dual-parentref-independence
        y.append(gateway("gateway-dual-parentref", "{from: Same}",
                http("gw-dual-parentref-listener", "PORT8", "gw-dual.com", "Same")));
        y.append(listenerSet(INFRA, "ls-dual-parentref", "gateway-dual-parentref",
                http("ls-dual-parentref-listener", "PORT8", "ls-dual.com", "Same")));
        y.append(route(INFRA, "route-dual-parentref-both", "[" + gatewayRef("gateway-dual-parentref", null) + ", "
                + listenerSetRef(INFRA, "ls-dual-parentref", null) + "]", "/dualboth", "infra-backend-v1"));
        y.append(route(INFRA, "route-dual-parentref-one", "[" + gatewayRef("gateway-dual-parentref", "ls-dual-parentref-listener")
                + ", " + listenerSetRef(INFRA, "ls-dual-parentref", "ls-dual-parentref-listener") + "]", "/dualone", "infra-backend-v2"));
        // listenerset-gateway-parent-section-name-not-found
        y.append(gateway("gateway-section-name", "{from: Same}", http("gw-listener", "PORT9", "gw-section.com", "Same")));
        y.append(listenerSet(INFRA, "listenerset-section-name", "gateway-section-name",
                http("ls-only-listener", "PORT9", "ls-section-name.com", "Same")));
        y.append(route(INFRA, "route-via-listenerset", "[" + listenerSetRef(INFRA, "listenerset-section-name", "ls-only-listener") + "]",
                "/goodsection", "infra-backend-v1"));
        y.append(route(INFRA, "route-via-gateway", "[" + gatewayRef("gateway-section-name", "ls-only-listener") + "]",
                "/badsection", "infra-backend-v2"));
        // listenerset-hostname-conflict
        y.append(gateway("gateway-with-listenerset-hostname-conflict", "{from: Same}",
                http("gateway-listener", "PORT10", "gateway-listener.com", "All")
                        + http("hostname-conflict-with-gateway-listener", "PORT10", "hostname-conflict-with-gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-hostname-conflict-with-gateway-1", "gateway-with-listenerset-hostname-conflict",
                http("listener-set-1-listener", "PORT10", "listener-set-1-listener.com", "All")
                        + http("hostname-conflict-with-gateway-listener", "PORT10", "hostname-conflict-with-gateway-listener.com", "All")
                        + http("hostname-conflict-with-listener-set-listener", "PORT10", "hostname-conflict-with-listener-set-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-hostname-conflict-with-gateway-2", "gateway-with-listenerset-hostname-conflict",
                http("hostname-conflict-with-gateway-listener", "PORT10", "hostname-conflict-with-gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-hostname-conflict-with-listener-set-1", "gateway-with-listenerset-hostname-conflict",
                http("listener-set-2-listener", "PORT10", "listener-set-2-listener.com", "All")
                        + http("hostname-conflict-with-listener-set-listener", "PORT10", "hostname-conflict-with-listener-set-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-hostname-conflict-with-listener-set-2", "gateway-with-listenerset-hostname-conflict",
                http("hostname-conflict-with-listener-set-listener", "PORT10", "hostname-conflict-with-listener-set-listener.com", "All")));
        // listenerset-http-routing
        y.append(gateway("gateway-with-listener-sets-http-routing", "{from: All}",
                http("gateway-listener-1", "PORT11", "gateway-listener-1.com", "All")
                        + http("gateway-listener-2", "PORT11", "gateway-listener-2.com", "All")));
        for (String n : List.of("1", "2")) {
            String ls = "listener-set-http-routing-" + n;
            y.append(listenerSet(INFRA, ls, "gateway-with-listener-sets-http-routing",
                    http(ls + "-listener-1", "PORT11", ls + "-listener-1.com", "All")
                            + http(ls + "-listener-2", "PORT11", ls + "-listener-2.com", "All")));
        }
        y.append(route(INFRA, "attaches-to-all-listeners", "[" + gatewayRef("gateway-with-listener-sets-http-routing", null) + ", "
                + listenerSetRef(INFRA, "listener-set-http-routing-1", null) + ", "
                + listenerSetRef(INFRA, "listener-set-http-routing-2", null) + "]", "/route", "infra-backend-v1"));
        y.append(route(INFRA, "gateway-route", "[" + gatewayRef("gateway-with-listener-sets-http-routing", null) + "]",
                "/gateway-route", "infra-backend-v2"));
        y.append(route(INFRA, "gateway-section-route", "[" + gatewayRef("gateway-with-listener-sets-http-routing", "gateway-listener-1") + "]",
                "/gateway-section-route", "infra-backend-v3"));
        y.append(route(INFRA, "listener-set-http-routing-1-route", "[" + listenerSetRef(INFRA, "listener-set-http-routing-1", null) + "]",
                "/listener-set-http-routing-1-route", "infra-backend-v2"));
        y.append(route(INFRA, "listener-set-http-routing-1-section-route",
                "[" + listenerSetRef(INFRA, "listener-set-http-routing-1", "listener-set-http-routing-1-listener-1") + "]",
                "/listener-set-http-routing-1-section-route", "infra-backend-v3"));
        y.append(route(INFRA, "listener-set-http-routing-2-route", "[" + listenerSetRef(INFRA, "listener-set-http-routing-2", null) + "]",
                "/listener-set-http-routing-2-route", "infra-backend-v2"));
        // listenerset-protocol-conflict: TCP listeners on the HTTP port
        String tcp = "  - {name: @N@, port: ${PORT12}, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}\n";
        y.append(gateway("gateway-with-listenerset-protocol-conflict", "{from: Same}",
                http("gateway-listener", "PORT12", "gateway-listener.com", "All")
                        + http("protocol-conflict-with-gateway-listener", "PORT12", "protocol-conflict-with-gateway-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-protocol-conflict-with-gateway-1", "gateway-with-listenerset-protocol-conflict",
                http("listener-set-1-listener", "PORT12", "listener-set-1-listener.com", "All")
                        + tcp.replace("@N@", "protocol-conflict-with-gateway-listener")
                        + http("protocol-conflict-with-listener-set-listener", "PORT12", "protocol-conflict-with-listener-set-listener.com", "All")));
        y.append(listenerSet(INFRA, "listenerset-with-protocol-conflict-with-gateway-2", "gateway-with-listenerset-protocol-conflict",
                tcp.replace("@N@", "protocol-conflict-with-gateway-listener")));
        y.append(listenerSet(INFRA, "listenerset-with-protocol-conflict-with-listener-set-1", "gateway-with-listenerset-protocol-conflict",
                http("listener-set-2-listener", "PORT12", "listener-set-2-listener.com", "All")
                        + tcp.replace("@N@", "protocol-conflict-with-listener-set-listener")));
        y.append(listenerSet(INFRA, "listenerset-with-protocol-conflict-with-listener-set-2", "gateway-with-listenerset-protocol-conflict",
                tcp.replace("@N@", "protocol-conflict-with-listener-set-listener")));
        // listenerset-reference-grant: HTTPS listeners whose certificate is in gateway-conformance-web-backend
        String https = """
                  - name: @N@
                    port: ${PORT13}
                    protocol: HTTPS
                    hostname: "@H@"
                    allowedRoutes: {namespaces: {from: All}}
                    tls:
                      certificateRefs: [{group: "", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}]
                """;
        y.append("---\n").append(cert.secret(ConformanceMesh.WEB, "certificate"));
        y.append(gateway("gateway-with-listener-sets-test-reference-grant", "{from: All}",
                https.replace("@N@", "gateway-listener").replace("@H@", "gateway-listener.com")));
        y.append(GatewaySecretIT.grant("reference-grant-for-gateway", ConformanceMesh.WEB, GROUP, "Gateway", INFRA, "\"\"", "Secret", null));
        y.append(listenerSet(INFRA, "listenerset-with-reference-grant", "gateway-with-listener-sets-test-reference-grant",
                https.replace("@N@", "listenerset-with-reference-grant-listener").replace("@H@", "listenerset-with-reference-grant-listener.com")));
        y.append(GatewaySecretIT.grant("reference-grant-for-listener-set", ConformanceMesh.WEB, GROUP, "ListenerSet", INFRA, "\"\"", "Secret", null));
        y.append(namespace(GRANT_TEST_NS, null));
        y.append(listenerSet(GRANT_TEST_NS, "listenerset-without-reference-grant", "gateway-with-listener-sets-test-reference-grant",
                https.replace("@N@", "listenerset-without-reference-grant-listener")
                        .replace("@H@", "listenerset-without-reference-grant-listener-1.com")));
        // listenerset-route-status-scoped-to-parentref
        y.append(gateway("gateway-parentref", "{from: Same}", http("gw-parentref-listener", "PORT14", "gw-parentref.com", "Same")));
        y.append(listenerSet(INFRA, "listenerset-parentref", "gateway-parentref",
                http("listenerset-parentref-listener", "PORT14", "listenerset-parentref.com", "Same")));
        y.append(route(INFRA, "route-parentref-gwonly", "[" + gatewayRef("gateway-parentref", null) + "]", "/gwonly", "infra-backend-v1"));
        y.append(route(INFRA, "route-parentref-lsonly", "[" + listenerSetRef(INFRA, "listenerset-parentref", null) + "]",
                "/lsonly", "infra-backend-v2"));
        return y.toString();
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        TlsTestSupport.Cert cert = TlsTestSupport.selfSigned(certs, "certificate", "gateway-listener.com", "gateway-listener.com",
                "listenerset-with-reference-grant-listener.com", "listenerset-without-reference-grant-listener-1.com");
        c = ConformanceMesh.start(yaml(cert));
        // everything arrives in the first snapshot: once a Gateway listener serves, the rest is there or not at all
        c.awaitReady(c.port("PORT11"), "gateway-listener-1.com", "/gateway-route", "infra-backend-v2");
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        TlsTestSupport.deleteTree(certs);
    }

    // ---- what upstream's status helpers check, read from the admin API

    /** An expected condition; a null reason matches any reason. */
    record Cond(String type, String status, String reason) {
        static Cond isTrue(String type) {
            return new Cond(type, "True", null);
        }

        @Override
        public String toString() {
            return type + "=" + status + (reason == null ? "" : " " + reason);
        }
    }

    /** Upstream's generateAcceptedListenerConditions: ResolvedRefs, Accepted and Programmed True, any reason. */
    static final List<Cond> ACCEPTED_LISTENER = List.of(Cond.isTrue("ResolvedRefs"), Cond.isTrue("Accepted"), Cond.isTrue("Programmed"));

    static List<Cond> conflicted(String reason) {
        return List.of(new Cond("Accepted", "False", reason), new Cond("Programmed", "False", reason),
                new Cond("Conflicted", "True", reason));
    }

    static boolean hasAll(JsonNode conditions, List<Cond> expected) {
        for (Cond e : expected) {
            if (!GatewayStatusIT.hasCondition(conditions, e.type(), e.status(), e.reason())) return false;
        }
        return true;
    }

    static JsonNode listenerSet(String ns, String name) throws Exception {
        return c.resource("ListenerSet", ns, name);
    }

    static JsonNode gatewayResource(String name) throws Exception {
        return c.resource("Gateway", INFRA, name);
    }

    /** GatewayMustHaveCondition: the Gateway's conditions are current and include this one. */
    static void awaitGatewayCondition(String gateway, Cond cond) {
        c.mesh.await("Gateway " + gateway + " " + cond, ConformanceMesh.WAIT, () -> {
            JsonNode gw = gatewayResource(gateway);
            return GatewayStatusIT.latestConditions(gw) && hasAll(gw.path("status").path("conditions"), List.of(cond));
        });
    }

    /** GatewayMustHaveAttachedListeners: current conditions and status.attachedListenerSets (absent counts as 0). */
    static void awaitAttachedListenerSets(String gateway, int count) {
        c.mesh.await("Gateway " + gateway + " status.attachedListenerSets " + count, ConformanceMesh.WAIT, () -> {
            JsonNode gw = gatewayResource(gateway);
            return GatewayStatusIT.latestConditions(gw) && gw.path("status").path("attachedListenerSets").asInt(0) == count;
        });
    }

    /** ListenerSetMustHaveCondition: the ListenerSet's conditions are current and include these. */
    static void awaitListenerSetConditions(String ns, String name, Cond... conds) {
        c.mesh.await("ListenerSet " + ns + "/" + name + " " + List.of(conds), ConformanceMesh.WAIT, () -> {
            JsonNode ls = listenerSet(ns, name);
            return GatewayStatusIT.latestConditions(ls) && hasAll(ls.path("status").path("conditions"), List.of(conds));
        });
    }

    /** A rejected ListenerSet: Accepted=False and Programmed=False, both with this reason. */
    static void awaitListenerSetRejected(String ns, String name, String reason) {
        awaitListenerSetConditions(ns, name, new Cond("Accepted", "False", reason), new Cond("Programmed", "False", reason));
    }

    /**
     * ListenerSetListenersMustHaveConditions / GatewayListenersMustHaveConditions: the named status.listeners[]
     * entries (every entry when none is named) are there and carry these conditions. For a ListenerSet its own
     * conditions must be current too, as upstream checks.
     */
    static void awaitListenerConditions(String kind, String ns, String name, List<Cond> conds, String... listeners) {
        c.mesh.await(kind + " " + ns + "/" + name + " listeners " + List.of(listeners) + " " + conds, ConformanceMesh.WAIT, () -> {
            JsonNode r = c.resource(kind, ns, name);
            if (kind.equals("ListenerSet") && !GatewayStatusIT.latestConditions(r)) return false;
            JsonNode all = r.path("status").path("listeners");
            if (listeners.length == 0) {
                if (all.isEmpty()) return false;
                for (JsonNode l : all) {
                    if (!hasAll(l.path("conditions"), conds)) return false;
                }
                return true;
            }
            for (String l : listeners) {
                JsonNode entry = HTTPRouteBasicsIT.listener(r, l);
                if (entry.isMissingNode() || !hasAll(entry.path("conditions"), conds)) return false;
            }
            return true;
        });
    }

    /** An expected ListenerSet status.listeners[] entry (upstream's ListenerEntryStatus). */
    record Entry(String name, int attachedRoutes) {}

    /**
     * ListenerSetStatusMustHaveListeners: current conditions, exactly these entries, each with HTTPRoute among its
     * supportedKinds, the attachedRoutes and ResolvedRefs, Accepted and Programmed True.
     */
    static void awaitListenerSetListeners(String ns, String name, Entry... expected) {
        c.mesh.await("ListenerSet " + ns + "/" + name + " status.listeners " + List.of(expected), ConformanceMesh.WAIT, () -> {
            JsonNode ls = listenerSet(ns, name);
            if (!GatewayStatusIT.latestConditions(ls)) return false;
            JsonNode all = ls.path("status").path("listeners");
            if (all.size() != expected.length) return false;
            for (Entry e : expected) {
                JsonNode l = HTTPRouteBasicsIT.listener(ls, e.name());
                if (l.isMissingNode() || !supportsHttpRoute(l) || l.path("attachedRoutes").asInt(-1) != e.attachedRoutes()
                        || !hasAll(l.path("conditions"), ACCEPTED_LISTENER)) return false;
            }
            return true;
        });
    }

    static boolean supportsHttpRoute(JsonNode listener) {
        for (JsonNode k : listener.path("supportedKinds")) {
            if (k.path("kind").asText().equals("HTTPRoute") && k.path("group").asText(GROUP).equals(GROUP)) return true;
        }
        return false;
    }

    /**
     * Whether the route's status.parents has an entry from Lattice's controller for this parent (group
     * gateway.networking.k8s.io, kind, name; the namespace must be written when the route is in another namespace)
     * whose conditions are current and include {@code cond}.
     */
    static boolean hasParent(JsonNode route, String kind, String ns, String name, Cond cond) {
        String routeNs = route.path("metadata").path("namespace").asText();
        long generation = GatewayStatusIT.generation(route);
        for (JsonNode p : route.path("status").path("parents")) {
            JsonNode ref = p.path("parentRef");
            if (!p.path("controllerName").asText().equals(CONTROLLER)) continue;
            if (!ref.path("group").asText().equals(GROUP) || !ref.path("kind").asText().equals(kind)
                    || !ref.path("name").asText().equals(name)) continue;
            String refNs = ref.path("namespace").asText("");
            if (!refNs.equals(ns) && (!routeNs.equals(ns) || !refNs.isEmpty())) continue;
            boolean current = true;
            for (JsonNode cnd : p.path("conditions")) {
                current &= cnd.path("observedGeneration").asLong(-2) == generation;
            }
            if (current && hasAll(p.path("conditions"), List.of(cond))) return true;
        }
        return false;
    }

    static void awaitParent(String routeNs, String route, String kind, String ns, String name, Cond cond) {
        c.mesh.await("HTTPRoute " + routeNs + "/" + route + " parent " + kind + " " + ns + "/" + name + " " + cond,
                ConformanceMesh.WAIT, () -> hasParent(c.resource("HTTPRoute", routeNs, route), kind, ns, name, cond));
    }

    static final Cond ROUTE_ACCEPTED = new Cond("Accepted", "True", "Accepted");

    /**
     * RoutesAndParentMustBeAccepted: each route has the parent Accepted (reason Accepted), and every listener of the
     * parent has ResolvedRefs, Accepted and Programmed True.
     */
    static void awaitRoutesAndParentAccepted(String kind, String ns, String name, String... routes) {
        for (String r : routes) {
            String[] nsName = r.contains("/") ? r.split("/", 2) : new String[] {INFRA, r};
            awaitParent(nsName[0], nsName[1], kind, ns, name, ROUTE_ACCEPTED);
        }
        awaitListenerConditions(kind, ns, name, ACCEPTED_LISTENER);
    }

    /** The route's status.parents, exactly (upstream's route-status-scoped-to-parentref). */
    static List<String> parentsOf(String ns, String route) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode p : c.resource("HTTPRoute", ns, route).path("status").path("parents")) {
            JsonNode ref = p.path("parentRef");
            out.add(ref.path("kind").asText() + " " + ref.path("namespace").asText() + "/" + ref.path("name").asText());
        }
        return out;
    }

    // ---- upstream's MakeRequestAndExpectEventuallyConsistentResponse, by Host header on the Gateway's port

    static void expect(String port, String host, String path, String backend) {
        int p = c.port(port);
        c.awaitBackend(p, host, path, Map.of(), backend);
        for (int i = 0; i < 3; i++) {
            Reply r = get(p, host, path);
            assertThat(r.status()).as("GET http://%s%s via %s: %s", host, path, port, r).isEqualTo(200);
            assertThat(r.backend()).as("GET http://%s%s via %s", host, path, port).isEqualTo(backend);
            assertThat(r.namespace()).as("GET http://%s%s via %s", host, path, port).isEqualTo(INFRA);
        }
    }

    static void expect404(String port, String host, String path) {
        int p = c.port(port);
        c.awaitStatus(p, host, path, Map.of(), 404);
        for (int i = 0; i < 3; i++) {
            Reply r = get(p, host, path);
            assertThat(r.status()).as("GET http://%s%s via %s: %s", host, path, port, r).isEqualTo(404);
        }
    }

    static final Cond GATEWAY_ACCEPTED = Cond.isTrue("Accepted");

    // ---- the tests

    /** listenerset-allowed-namespace-none (ListenerSetAllowedNamespaceNone). */
    @Test
    void allowedNamespaceNoneAcceptsNoListenerSet() {
        String gw = "gateway-does-not-allow-listenerset";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 0);
        awaitListenerSetRejected(INFRA, "listenerset-not-allowed", "NotAllowed");
    }

    /** listenerset-default-not-allowed (ListenerSetDefaultNotAllowed): no allowedListeners means None. */
    @Test
    void allowedListenersDefaultIsNone() {
        String gw = "gateway-default-does-not-allow-listenerset";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 0);
        awaitListenerSetRejected(INFRA, "listenerset-default-not-allowed", "NotAllowed");
    }

    /** listenerset-allowed-namespace-same (ListenerSetAllowedNamespaceSame). */
    @Test
    void allowedNamespaceSameAcceptsOnlyTheGatewaysNamespace() {
        String gw = "gateway-allows-listenerset-in-same-namespace";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 1);
        awaitListenerSetConditions(INFRA, "listenerset-in-same-namespace",
                new Cond("Accepted", "True", "Accepted"), new Cond("Programmed", "True", "Programmed"));
        awaitListenerConditions("ListenerSet", INFRA, "listenerset-in-same-namespace", ACCEPTED_LISTENER,
                "listenerset-in-same-namespace-listener");
        awaitListenerSetRejected(NOT_ALLOWED_NS, "listenerset-in-different-namespace", "NotAllowed");
    }

    /** listenerset-allowed-namespace-selector (ListenerSetAllowedNamespaceSelector). */
    @Test
    void allowedNamespaceSelectorAcceptsOnlySelectedNamespaces() {
        String gw = "gateway-allows-listenerset-in-selected-namespace";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 1);
        awaitListenerSetConditions(SELECTOR_ALLOWED_NS, "listenerset-in-selected-namespace",
                new Cond("Accepted", "True", "Accepted"), new Cond("Programmed", "True", "Programmed"));
        awaitListenerConditions("ListenerSet", SELECTOR_ALLOWED_NS, "listenerset-in-selected-namespace", ACCEPTED_LISTENER,
                "listenerset-in-selected-namespace-listener");
        awaitListenerSetRejected(SELECTOR_NOT_ALLOWED_NS, "listenerset-not-in-selected-namespace", "NotAllowed");
    }

    static void allowedRoutesGatewayReady() {
        String gw = "gateway-with-listener-sets-test-allowed-routes";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 2);
    }

    /** listenerset-allowed-routes-namespaces (ListenerSetAllowedRoutesNamespaces), subtest "Same-namespace ListenerSet". */
    @Test
    void allowedRoutesNamespacesOnASameNamespaceListenerSet() {
        allowedRoutesGatewayReady();
        String ls = "listenerset-test-allowed-routes-namespaces";
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, ls, "route-in-same-namespace",
                ROUTES_ALLOWED_NS + "/route-in-selected-namespace", ROUTES_NOT_ALLOWED_NS + "/route-not-in-selected-namespace");
        awaitListenerSetListeners(INFRA, ls,
                new Entry("listener-set-listener-allowed-routes-all", 3),
                new Entry("listener-set-listener-allowed-routes-same", 1),
                new Entry("listener-set-listener-allowed-routes-selector", 1));
        String all = "listener-set-listener-allowed-routes-all.com";
        expect("PORT4", all, "/route-in-same-namespace", "infra-backend-v1");
        expect("PORT4", all, "/route-in-selected-namespace", "infra-backend-v2");
        expect("PORT4", all, "/route-not-in-selected-namespace", "infra-backend-v3");
        String same = "listener-set-listener-allowed-routes-same.com";
        expect("PORT4", same, "/route-in-same-namespace", "infra-backend-v1");
        expect404("PORT4", same, "/route-in-selected-namespace");
        expect404("PORT4", same, "/route-not-in-selected-namespace");
        String selector = "listener-set-listener-allowed-routes-selector.com";
        expect404("PORT4", selector, "/route-in-same-namespace");
        expect("PORT4", selector, "/route-in-selected-namespace", "infra-backend-v2");
        expect404("PORT4", selector, "/route-not-in-selected-namespace");
    }

    /**
     * listenerset-allowed-routes-namespaces, subtest "Cross-namespace ListenerSet": from Same on a ListenerSet
     * listener means the ListenerSet's namespace, not the Gateway's.
     */
    @Test
    void allowedRoutesSameMeansTheListenerSetsNamespace() {
        allowedRoutesGatewayReady();
        String ls = "listenerset-test-allowed-routes-cross-ns";
        awaitRoutesAndParentAccepted("ListenerSet", LS_CROSS_NS, ls, LS_CROSS_NS + "/route-in-listenerset-namespace");
        awaitParent(INFRA, "route-in-gateway-namespace", "ListenerSet", LS_CROSS_NS, ls,
                new Cond("Accepted", "False", "NotAllowedByListeners"));
        awaitListenerSetListeners(LS_CROSS_NS, ls, new Entry("listener-set-listener-allowed-routes-cross-ns-same", 1));
        String host = "listener-set-listener-allowed-routes-cross-ns-same.com";
        expect("PORT4", host, "/route-in-listenerset-namespace", "infra-backend-v1");
        expect404("PORT4", host, "/route-in-gateway-namespace");
    }

    /** listenerset-allowed-routes-supported-kinds (ListenerSetAllowedRoutesSupportedKinds). */
    @Test
    void allowedRoutesKindsAnHttpRouteOnATlsListenerIsInvalidRouteKinds() {
        awaitGatewayCondition("gateway-with-listener-sets-test-supported-route-kinds", GATEWAY_ACCEPTED);
        awaitListenerConditions("ListenerSet", INFRA, "listenerset-test-allowed-routes-supported-kinds",
                List.of(new Cond("ResolvedRefs", "False", "InvalidRouteKinds")), "listener-set-listener-allowed-routes-tls-only");
    }

    static void dualGatewayReady() {
        String gw = "gateway-dual-parentref";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 1);
        awaitListenerSetListeners(INFRA, "ls-dual-parentref", new Entry("ls-dual-parentref-listener", 2));
    }

    /** listenerset-dual-parentref-independence (ListenerSetDualParentRefIndependence), subtest "Both parentRefs are Accepted". */
    @Test
    void dualParentRefsBothAccepted() {
        dualGatewayReady();
        awaitParent(INFRA, "route-dual-parentref-both", "Gateway", INFRA, "gateway-dual-parentref", Cond.isTrue("Accepted"));
        awaitParent(INFRA, "route-dual-parentref-both", "ListenerSet", INFRA, "ls-dual-parentref", Cond.isTrue("Accepted"));
        expect("PORT8", "gw-dual.com", "/dualboth", "infra-backend-v1");
        expect("PORT8", "ls-dual.com", "/dualboth", "infra-backend-v1");
    }

    /**
     * listenerset-dual-parentref-independence, subtest "One of two parentRefs is Accepted": the Gateway parentRef's
     * sectionName names the ListenerSet's listener (NoMatchingParent) while the ListenerSet parentRef is accepted.
     */
    @Test
    void dualParentRefsEvaluatedIndependently() {
        dualGatewayReady();
        String route = "route-dual-parentref-one";
        awaitParent(INFRA, route, "Gateway", INFRA, "gateway-dual-parentref", new Cond("Accepted", "False", "NoMatchingParent"));
        awaitParent(INFRA, route, "ListenerSet", INFRA, "ls-dual-parentref", Cond.isTrue("Accepted"));
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, "ls-dual-parentref", route);
        expect("PORT8", "ls-dual.com", "/dualone", "infra-backend-v2");
        expect404("PORT8", "gw-dual.com", "/dualone");
    }

    /** listenerset-gateway-parent-section-name-not-found (ListenerSetGatewayParentSectionNameNotFound). */
    @Test
    void gatewayParentRefCannotNameAListenerSetListener() {
        String gw = "gateway-section-name";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 1);
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, "listenerset-section-name", "route-via-listenerset");
        awaitParent(INFRA, "route-via-gateway", "Gateway", INFRA, gw, new Cond("Accepted", "False", "NoMatchingParent"));
        expect("PORT9", "ls-section-name.com", "/goodsection", "infra-backend-v1");
        expect404("PORT9", "gw-section.com", "/badsection");
    }

    /**
     * listenerset-hostname-conflict (ListenerSetHostnameConflict): Gateway listeners first, then ListenerSets (here
     * by namespace/name, none has a creationTimestamp); the later listener of a conflicting pair is Conflicted, and a
     * ListenerSet left without a valid listener is ListenersNotValid.
     */
    @Test
    void hostnameConflictGoesAgainstTheLaterListener() {
        listenerPrecedence("gateway-with-listenerset-hostname-conflict", "hostname-conflict", "HostnameConflict");
    }

    /** listenerset-protocol-conflict (ListenerSetProtocolConflict): TCP listeners on the Gateway's HTTP port. */
    @Test
    void protocolConflictGoesAgainstTheLaterListener() {
        listenerPrecedence("gateway-with-listenerset-protocol-conflict", "protocol-conflict", "ProtocolConflict");
    }

    /** The shared body of upstream's hostname- and protocol-conflict tests (same shape, other names and reason). */
    static void listenerPrecedence(String gw, String prefix, String reason) {
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitListenerConditions("Gateway", INFRA, gw, ACCEPTED_LISTENER, "gateway-listener");
        awaitListenerConditions("Gateway", INFRA, gw, ACCEPTED_LISTENER, prefix + "-with-gateway-listener");
        awaitAttachedListenerSets(gw, 2);
        Cond accepted = Cond.isTrue("Accepted");
        Cond programmed = new Cond("Programmed", "True", "Programmed");

        String ls = "listenerset-with-" + prefix + "-with-gateway-1";
        awaitListenerSetConditions(INFRA, ls, accepted, programmed);
        awaitListenerConditions("ListenerSet", INFRA, ls, ACCEPTED_LISTENER, "listener-set-1-listener");
        awaitListenerConditions("ListenerSet", INFRA, ls, conflicted(reason), prefix + "-with-gateway-listener");
        awaitListenerConditions("ListenerSet", INFRA, ls, ACCEPTED_LISTENER, prefix + "-with-listener-set-listener");

        ls = "listenerset-with-" + prefix + "-with-gateway-2";
        awaitListenerSetRejected(INFRA, ls, "ListenersNotValid");
        awaitListenerConditions("ListenerSet", INFRA, ls, conflicted(reason), prefix + "-with-gateway-listener");

        ls = "listenerset-with-" + prefix + "-with-listener-set-1";
        awaitListenerSetConditions(INFRA, ls, accepted, programmed);
        awaitListenerConditions("ListenerSet", INFRA, ls, ACCEPTED_LISTENER, "listener-set-2-listener");
        awaitListenerConditions("ListenerSet", INFRA, ls, conflicted(reason), prefix + "-with-listener-set-listener");

        ls = "listenerset-with-" + prefix + "-with-listener-set-2";
        awaitListenerSetRejected(INFRA, ls, "ListenersNotValid");
        awaitListenerConditions("ListenerSet", INFRA, ls, conflicted(reason), prefix + "-with-listener-set-listener");
    }

    /** listenerset-http-routing (ListenerSetHTTPRouting). */
    @Test
    void httpRoutingThroughGatewayAndListenerSetListeners() {
        String gw = "gateway-with-listener-sets-http-routing";
        awaitRoutesAndParentAccepted("Gateway", INFRA, gw, "attaches-to-all-listeners", "gateway-route", "gateway-section-route");
        awaitAttachedListenerSets(gw, 2);
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, "listener-set-http-routing-1",
                "attaches-to-all-listeners", "listener-set-http-routing-1-route", "listener-set-http-routing-1-section-route");
        awaitListenerSetListeners(INFRA, "listener-set-http-routing-1",
                new Entry("listener-set-http-routing-1-listener-1", 3), new Entry("listener-set-http-routing-1-listener-2", 2));
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, "listener-set-http-routing-2",
                "attaches-to-all-listeners", "listener-set-http-routing-2-route");
        awaitListenerSetListeners(INFRA, "listener-set-http-routing-2",
                new Entry("listener-set-http-routing-2-listener-1", 2), new Entry("listener-set-http-routing-2-listener-2", 2));

        String g1 = "gateway-listener-1.com";
        String g2 = "gateway-listener-2.com";
        String a1 = "listener-set-http-routing-1-listener-1.com";
        String a2 = "listener-set-http-routing-1-listener-2.com";
        String b1 = "listener-set-http-routing-2-listener-1.com";
        String b2 = "listener-set-http-routing-2-listener-2.com";
        List<String> hosts = List.of(g1, g2, a1, a2, b1, b2);
        // the route attached to every parent answers on every listener
        for (String h : hosts) expect("PORT11", h, "/route", "infra-backend-v1");
        // path -> which hosts serve it (and with which backend); every other host answers 404
        Map<String, List<String>> served = Map.of(
                "/gateway-route", List.of(g1, g2),
                "/gateway-section-route", List.of(g1),
                "/listener-set-http-routing-1-route", List.of(a1, a2),
                "/listener-set-http-routing-1-section-route", List.of(a1),
                "/listener-set-http-routing-2-route", List.of(b1, b2));
        Map<String, String> backend = Map.of(
                "/gateway-route", "infra-backend-v2",
                "/gateway-section-route", "infra-backend-v3",
                "/listener-set-http-routing-1-route", "infra-backend-v2",
                "/listener-set-http-routing-1-section-route", "infra-backend-v3",
                "/listener-set-http-routing-2-route", "infra-backend-v2");
        for (var e : served.entrySet()) {
            for (String h : hosts) {
                if (e.getValue().contains(h)) {
                    expect("PORT11", h, e.getKey(), backend.get(e.getKey()));
                } else {
                    expect404("PORT11", h, e.getKey());
                }
            }
        }
    }

    /** listenerset-reference-grant (ListenerSetReferenceGrant). */
    @Test
    void certificateRefsToAnotherNamespaceNeedAReferenceGrantFromListenerSet() {
        awaitGatewayCondition("gateway-with-listener-sets-test-reference-grant", GATEWAY_ACCEPTED);
        String ls = "listenerset-with-reference-grant";
        awaitListenerSetConditions(INFRA, ls, Cond.isTrue("Accepted"), Cond.isTrue("Programmed"));
        awaitListenerConditions("ListenerSet", INFRA, ls, List.of(Cond.isTrue("ResolvedRefs")), "listenerset-with-reference-grant-listener");
        ls = "listenerset-without-reference-grant";
        awaitListenerSetRejected(GRANT_TEST_NS, ls, "ListenersNotValid");
        awaitListenerConditions("ListenerSet", GRANT_TEST_NS, ls, List.of(new Cond("ResolvedRefs", "False", "RefNotPermitted")),
                "listenerset-without-reference-grant-listener");
    }

    static void parentrefGatewayReady() {
        String gw = "gateway-parentref";
        awaitGatewayCondition(gw, GATEWAY_ACCEPTED);
        awaitAttachedListenerSets(gw, 1);
        awaitListenerSetListeners(INFRA, "listenerset-parentref", new Entry("listenerset-parentref-listener", 1));
    }

    /**
     * listenerset-route-status-scoped-to-parentref (ListenerSetRouteStatusScopedToParentRef), subtest "Gateway-only
     * parentRef": the route's status.parents holds the Gateway it named and nothing for the ListenerSet.
     */
    @Test
    void routeStatusOfAGatewayOnlyRouteHasOnlyTheGateway() throws Exception {
        parentrefGatewayReady();
        awaitParent(INFRA, "route-parentref-gwonly", "Gateway", INFRA, "gateway-parentref", Cond.isTrue("Accepted"));
        assertThat(parentsOf(INFRA, "route-parentref-gwonly")).containsExactly("Gateway " + INFRA + "/gateway-parentref");
    }

    /** listenerset-route-status-scoped-to-parentref, subtest "ListenerSet-only parentRef". */
    @Test
    void routeStatusOfAListenerSetOnlyRouteHasOnlyTheListenerSet() throws Exception {
        parentrefGatewayReady();
        awaitRoutesAndParentAccepted("ListenerSet", INFRA, "listenerset-parentref", "route-parentref-lsonly");
        awaitParent(INFRA, "route-parentref-lsonly", "ListenerSet", INFRA, "listenerset-parentref", Cond.isTrue("Accepted"));
        assertThat(parentsOf(INFRA, "route-parentref-lsonly")).containsExactly("ListenerSet " + INFRA + "/listenerset-parentref");
    }
}
