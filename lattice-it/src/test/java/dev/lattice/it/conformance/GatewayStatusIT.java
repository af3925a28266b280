package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's Gateway and GatewayClass conformance tests that edit resources or read their status: gateway-modify-listeners,
 * gateway-observed-generation-bump, gatewayclass-observed-generation-bump, gateway-optional-address-value
 * (GatewayAddressEmpty), gateway-name-maximum-length, gateway-invalid-parameters-ref and gateway-with-attached-routes
 * (with its GatewayPort8080 variant). Where upstream patches a resource through the API server, the test here edits the
 * resource's file while {@code lattice up} runs: the directory source bumps metadata.generation on a spec change and
 * status must follow. Each Gateway gets free ports of its own (upstream's 80, 443 and 8080 are all on one address each).
 */
class GatewayStatusIT {
    static ConformanceMesh c;
    static Path certs;
    static String crt;
    static String key;

    /** A 253-character Gateway name, the longest a Kubernetes object name can be. */
    static final String LONG_NAME;

    static {
        String prefix = "gateway-name-maximum-length-";
        LONG_NAME = prefix + "a".repeat(253 - prefix.length());
    }

    static final String SECRET = """
            apiVersion: v1
            kind: Secret
            metadata: {name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}
            type: kubernetes.io/tls
            data: {tls.crt: CRT_B64, tls.key: KEY_B64}
            """;

    /** gateway-add-listener as first applied: one HTTPS listener. */
    static final String ADD_LISTENER_BEFORE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-add-listener, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: https
                port: ${PORT1}
                protocol: HTTPS
                hostname: secure.test.com
                allowedRoutes: {namespaces: {from: All}}
                tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
            """;

    /** ... and with the HTTP listener the test adds. */
    static final String ADD_LISTENER_AFTER = ADD_LISTENER_BEFORE + """
              - name: http
                port: ${PORT2}
                protocol: HTTP
                hostname: data.test.com
                allowedRoutes: {namespaces: {from: All}}
            """;

    static final String REMOVE_LISTENER_BEFORE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-remove-listener, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: https
                port: ${PORT3}
                protocol: HTTPS
                hostname: secure.test.com
                allowedRoutes: {namespaces: {from: All}}
                tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
              - name: http
                port: ${PORT4}
                protocol: HTTP
                allowedRoutes: {namespaces: {from: All}}
            """;

    static final String REMOVE_LISTENER_AFTER = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-remove-listener, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: http
                port: ${PORT4}
                protocol: HTTP
                allowedRoutes: {namespaces: {from: All}}
            """;

    static final String GENERATION_BEFORE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-observed-generation-bump, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, hostname: bar.com, port: ${PORT5}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
            """;

    static final String GENERATION_AFTER = GENERATION_BEFORE + """
              - {name: alternate, hostname: foo.com, port: ${PORT5}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
            """;

    static final String CLASS_BEFORE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata:
              name: gatewayclass-observed-generation-bump
            spec: {controllerName: lattice.dev/gateway-controller, description: old}
            """;

    /** gateway-static-addresses: an invalid address type, an unusable address and a usable one (upstream's order). */
    static final String STATIC_ADDRESSES = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-static-addresses, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              addresses:
            INVALID  - {type: test/fake-invalid-type, value: "fake address teehee!"}
            UNUSABLE  - {value: 192.0.2.1}
              - {value: 127.0.0.2}
              listeners:
              - {name: http, port: ${PORT14}, protocol: HTTP}
            """;

    static String staticAddresses(boolean invalid, boolean unusable) {
        return STATIC_ADDRESSES.replace("INVALID", invalid ? "" : "#").replace("UNUSABLE", unusable ? "" : "#");
    }

    static final String YAML = staticAddresses(true, true) + "---\n" + SECRET + "---\n" + ADD_LISTENER_BEFORE + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-1, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-add-listener, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            """ + REMOVE_LISTENER_BEFORE + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-2, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-remove-listener, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            """ + GENERATION_BEFORE + "---\n" + CLASS_BEFORE + """
            ---
            # gateway-optional-address-value: an address with a type and no value
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-without-address-value, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              addresses: [{type: IPAddress}]
              listeners:
              - {name: http, port: ${PORT6}, protocol: HTTP}
            ---
            # gateway-name-maximum-length
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: LONG_NAME
              namespace: gateway-conformance-infra
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT7}, protocol: HTTP}
            ---
            # gateway-invalid-parameters-ref
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-invalid-parameters-ref, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT8}, protocol: HTTP}
              infrastructure:
                parametersRef: {group: invalid.io, kind: InvalidParameters, name: invalid}
            ---
            # gateway-with-attached-routes-with-port-8080 (GatewayPort8080: upstream's 8080 and 80 are two free ports here)
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-with-two-listeners-and-one-attached-route, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http-unattached, port: ${PORT9}, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
              - {name: http, port: ${PORT10}, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-4-port-8080, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-with-two-listeners-and-one-attached-route, namespace: gateway-conformance-infra, sectionName: http}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # gateway-with-attached-routes
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-with-one-attached-route, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: http
                port: ${PORT11}
                protocol: HTTP
                allowedRoutes:
                  kinds: [{kind: HTTPRoute}]
                  namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: gateway-conformance-infra}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-one, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-with-one-attached-route, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: http
                port: ${PORT12}
                protocol: HTTP
                hostname: foo.example.com
                allowedRoutes:
                  kinds: [{kind: HTTPRoute}]
                  namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: gateway-conformance-infra}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-two, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-three, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-not-accepted, namespace: gateway-conformance-infra}
            spec:
              hostnames: [not-accepted.test.com]
              parentRefs: [{kind: Gateway, name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: unresolved-gateway-with-one-attached-unresolved-route, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: tls
                port: ${PORT13}
                protocol: HTTPS
                allowedRoutes:
                  kinds: [{kind: HTTPRoute}]
                  namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: gateway-conformance-infra}}}
                tls:
                  mode: Terminate
                  certificateRefs: [{group: "", kind: Secret, name: does-not-exist}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-four, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{kind: Gateway, name: unresolved-gateway-with-one-attached-unresolved-route, namespace: gateway-conformance-infra, sectionName: tls}]
              rules:
              - backendRefs: [{name: does-not-exist, port: 8080}]
            """.replace("LONG_NAME", LONG_NAME);

    @BeforeAll
    static void up() throws Exception {
        certs = Files.createTempDirectory("lattice-conformance-gw-");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=secure.test.com",
                "-addext", "subjectAltName=DNS:secure.test.com", "-keyout", "tls.key", "-out", "tls.crt");
        crt = Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.crt")));
        key = Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.key")));
        c = ConformanceMesh.start(YAML.replace("CRT_B64", crt).replace("KEY_B64", key));
        c.awaitReady(c.port("PORT4"), "anything.example", "/", "infra-backend-v1");
    }

    @AfterAll
    static void down() throws IOException {
        if (c != null) c.close();
        if (certs != null) {
            try (var files = Files.list(certs)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(certs);
        }
    }

    static void openssl(String... args) throws Exception {
        TlsTestSupport.openssl(certs, args);
    }

    /** Replaces the file that holds resource {@code name} by {@code yaml} (with the class's ports filled in). */
    static void rewrite(String name, String yaml) throws IOException {
        String text = yaml;
        for (var e : c.ports.entrySet()) text = text.replace("${" + e.getKey() + "}", String.valueOf(e.getValue()));
        ConformanceMesh.assertNoPlaceholders(text);
        Files.writeString(c.fileOf(name), text);
    }

    static long generation(JsonNode resource) {
        return resource.path("metadata").path("generation").asLong(-1);
    }

    /** Whether every condition carries the resource's metadata.generation (upstream's "latest conditions"). */
    static boolean latestConditions(JsonNode resource) {
        JsonNode conds = resource.path("status").path("conditions");
        if (!conds.isArray() || conds.isEmpty()) return false;
        long gen = generation(resource);
        for (JsonNode cond : conds) {
            if (cond.path("observedGeneration").asLong(-2) != gen) return false;
        }
        return true;
    }

    static boolean hasCondition(JsonNode conditions, String type, String status, String reason) {
        for (JsonNode cond : conditions) {
            if (cond.path("type").asText().equals(type) && cond.path("status").asText().equals(status)
                    && (reason == null || cond.path("reason").asText().equals(reason))) return true;
        }
        return false;
    }

    /** An expected listener status: name, attachedRoutes, and conditions (type=status) that must be there. */
    record ListenerExpectation(String name, int attachedRoutes, String... conditions) {}

    /**
     * Upstream's GatewayStatusMustHaveListeners: latest conditions on the Gateway, exactly these listeners, each
     * with HTTPRoute among its supportedKinds, the attachedRoutes and the conditions (any reason).
     */
    static void awaitListeners(String gateway, ListenerExpectation... expected) {
        c.mesh.await("listeners of " + gateway + " " + List.of(expected), ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gateway);
            if (!latestConditions(gw)) return false;
            JsonNode ls = gw.path("status").path("listeners");
            if (ls.size() != expected.length) return false;
            for (ListenerExpectation e : expected) {
                JsonNode l = HTTPRouteBasicsIT.listener(gw, e.name());
                if (l.isMissingNode() || l.path("attachedRoutes").asInt(-1) != e.attachedRoutes()) return false;
                boolean http = false;
                for (JsonNode k : l.path("supportedKinds")) {
                    http |= k.path("kind").asText().equals("HTTPRoute") && k.path("group").asText().equals("gateway.networking.k8s.io");
                }
                if (!http) return false;
                for (String cond : e.conditions()) {
                    String[] ts = cond.split("=");
                    if (!hasCondition(l.path("conditions"), ts[0], ts[1], null)) return false;
                }
            }
            return true;
        });
    }

    static boolean refused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void modifyListenersAddAListenerThatThenRoutesTraffic() throws Exception {
        awaitListeners("gateway-add-listener", new ListenerExpectation("https", 1, "Accepted=True", "ResolvedRefs=True"));
        long before = generation(c.resource("Gateway", INFRA, "gateway-add-listener"));
        rewrite("gateway-add-listener", ADD_LISTENER_AFTER);
        awaitListeners("gateway-add-listener",
                new ListenerExpectation("https", 1, "Accepted=True", "ResolvedRefs=True"),
                new ListenerExpectation("http", 1, "Accepted=True", "ResolvedRefs=True"));
        assertThat(generation(c.resource("Gateway", INFRA, "gateway-add-listener"))).isGreaterThan(before);
        // the new listener serves the route
        c.awaitBackend(c.port("PORT2"), "data.test.com", "/", Map.of(), "infra-backend-v1");
        assertThat(get(c.port("PORT2"), "other.test.com", "/").status()).isEqualTo(404);
    }

    @Test
    void modifyListenersRemoveAListenerThatThenStopsRouting() throws Exception {
        awaitListeners("gateway-remove-listener",
                new ListenerExpectation("https", 1, "Accepted=True", "ResolvedRefs=True"),
                new ListenerExpectation("http", 1, "Accepted=True", "ResolvedRefs=True"));
        int https = c.port("PORT3");
        c.mesh.await("the https listener of gateway-remove-listener accepting connections", ConformanceMesh.WAIT,
                () -> !refused(https));
        long before = generation(c.resource("Gateway", INFRA, "gateway-remove-listener"));
        rewrite("gateway-remove-listener", REMOVE_LISTENER_AFTER);
        awaitListeners("gateway-remove-listener", new ListenerExpectation("http", 1, "Accepted=True", "ResolvedRefs=True"));
        assertThat(generation(c.resource("Gateway", INFRA, "gateway-remove-listener"))).isGreaterThan(before);
        // the removed listener's port is closed; the kept one still routes
        c.mesh.await("port of the removed https listener closed", ConformanceMesh.WAIT, () -> refused(https));
        c.awaitBackend(c.port("PORT4"), "anything.example", "/", Map.of(), "infra-backend-v1");
    }

    @Test
    void gatewayObservedGenerationBump() throws Exception {
        c.mesh.await("gateway-observed-generation-bump has latest conditions", ConformanceMesh.WAIT,
                () -> latestConditions(c.resource("Gateway", INFRA, "gateway-observed-generation-bump")));
        JsonNode original = c.resource("Gateway", INFRA, "gateway-observed-generation-bump");
        long before = generation(original);
        rewrite("gateway-observed-generation-bump", GENERATION_AFTER);
        c.mesh.await("gateway-observed-generation-bump generation > " + before + " and latest conditions", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "gateway-observed-generation-bump");
            return generation(gw) > before && latestConditions(gw)
                    && hasCondition(gw.path("status").path("conditions"), "Accepted", "True", null)
                    && hasCondition(gw.path("status").path("conditions"), "Programmed", "True", null);
        });
        // and the listener conditions follow too
        JsonNode gw = c.resource("Gateway", INFRA, "gateway-observed-generation-bump");
        for (JsonNode l : gw.path("status").path("listeners")) {
            for (JsonNode cond : l.path("conditions")) {
                assertThat(cond.path("observedGeneration").asLong()).as(l.toString()).isEqualTo(generation(gw));
            }
        }
    }

    @Test
    void gatewayClassObservedGenerationBump() throws Exception {
        c.mesh.await("gatewayclass-observed-generation-bump Accepted with latest conditions", ConformanceMesh.WAIT, () -> {
            JsonNode gc = c.resource("GatewayClass", "", "gatewayclass-observed-generation-bump");
            return latestConditions(gc) && hasCondition(gc.path("status").path("conditions"), "Accepted", "True", null);
        });
        long before = generation(c.resource("GatewayClass", "", "gatewayclass-observed-generation-bump"));
        rewrite("gatewayclass-observed-generation-bump", CLASS_BEFORE.replace("description: old", "description: new"));
        c.mesh.await("gatewayclass-observed-generation-bump generation > " + before, ConformanceMesh.WAIT, () -> {
            JsonNode gc = c.resource("GatewayClass", "", "gatewayclass-observed-generation-bump");
            return generation(gc) > before && latestConditions(gc)
                    && hasCondition(gc.path("status").path("conditions"), "Accepted", "True", null);
        });
    }

    @Test
    void gatewayWithAnAddressTypeButNoValueGetsAnAddress() throws Exception {
        c.mesh.await("gateway-without-address-value has an address", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "gateway-without-address-value");
            JsonNode addrs = gw.path("status").path("addresses");
            return latestConditions(gw) && addrs.size() > 0 && !addrs.get(0).path("value").asText("").isEmpty()
                    && hasCondition(gw.path("status").path("conditions"), "Accepted", "True", null);
        });
        // the address is where the gateway answers
        JsonNode addr = c.resource("Gateway", INFRA, "gateway-without-address-value").path("status").path("addresses").get(0);
        assertThat(addr.path("type").asText()).isEqualTo("IPAddress");
        c.mesh.await("gateway-without-address-value listening", ConformanceMesh.WAIT,
                () -> get(c.port("PORT6"), "any.example", "/").status() == 404);
    }

    @Test
    void gatewayWithA253CharacterNameIsReconciled() {
        assertThat(LONG_NAME).hasSize(253);
        c.mesh.await("253-character Gateway has latest conditions", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, LONG_NAME);
            return latestConditions(gw) && hasCondition(gw.path("status").path("conditions"), "Programmed", "True", null);
        });
        // and its proxy runs: the listener answers (404: no route)
        c.mesh.await("253-character Gateway listening", ConformanceMesh.WAIT,
                () -> get(c.port("PORT7"), "any.example", "/").status() == 404);
    }

    static boolean gatewayCondition(String gateway, String type, String status, String reason) throws Exception {
        JsonNode gw = c.resource("Gateway", INFRA, gateway);
        return latestConditions(gw) && hasCondition(gw.path("status").path("conditions"), type, status, reason);
    }

    /**
     * gateway-static-addresses (GatewayStaticAddresses): an unsupported address type is UnsupportedAddress; without
     * it, the address off the loopback is AddressNotUsable; with only 127.0.0.2 left the Gateway is programmed, that
     * is its one status address, and its listener answers there (and not on 127.0.0.1).
     */
    @Test
    void staticAddresses() throws Exception {
        String gw = "gateway-static-addresses";
        c.mesh.await(gw + " Accepted=False UnsupportedAddress", ConformanceMesh.WAIT,
                () -> gatewayCondition(gw, "Accepted", "False", "UnsupportedAddress"));
        rewrite(gw, staticAddresses(false, true));
        c.mesh.await(gw + " Accepted, Programmed=False AddressNotUsable", ConformanceMesh.WAIT,
                () -> gatewayCondition(gw, "Accepted", "True", "Accepted")
                        && gatewayCondition(gw, "Programmed", "False", "AddressNotUsable"));
        rewrite(gw, staticAddresses(false, false));
        c.mesh.await(gw + " Accepted and Programmed", ConformanceMesh.WAIT,
                () -> gatewayCondition(gw, "Accepted", "True", "Accepted") && gatewayCondition(gw, "Programmed", "True", "Programmed"));
        awaitListeners(gw, new ListenerExpectation("http", 0, "Accepted=True", "ResolvedRefs=True"));
        JsonNode addresses = c.resource("Gateway", INFRA, gw).path("status").path("addresses");
        assertThat(addresses.size()).as(addresses.toString()).isEqualTo(1);
        assertThat(addresses.get(0).path("value").asText()).isEqualTo("127.0.0.2");
        assertThat(addresses.get(0).path("type").asText()).isEqualTo("IPAddress");
        int port = c.port("PORT14");
        c.mesh.await(gw + " listening on 127.0.0.2", ConformanceMesh.WAIT, () -> {
            var r = dev.lattice.it.Mesh.get(java.net.URI.create("http://127.0.0.2:" + port + "/"), Map.of("Host", "any.example"));
            return r.statusCode() == 404;
        });
        assertThat(refused(port)).as("127.0.0.1:" + port + " refused").isTrue();
    }

    @Test
    void invalidParametersRefIsInvalidParameters() {
        c.mesh.await("gateway-invalid-parameters-ref Accepted=False InvalidParameters", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "gateway-invalid-parameters-ref");
            return latestConditions(gw) && hasCondition(gw.path("status").path("conditions"), "Accepted", "False", "InvalidParameters");
        });
    }

    @Test
    void port8080ListenerWithoutRoutesAndOneWithARouteBySectionName() {
        awaitListeners("gateway-with-two-listeners-and-one-attached-route",
                new ListenerExpectation("http-unattached", 0, "Accepted=True", "ResolvedRefs=True"),
                new ListenerExpectation("http", 1, "Accepted=True", "ResolvedRefs=True"));
        c.awaitBackend(c.port("PORT10"), "any.example", "/", Map.of(), "infra-backend-v1");
        assertThat(get(c.port("PORT9"), "any.example", "/").status()).isEqualTo(404);
    }

    @Test
    void attachedRoutesCountOneAndTwo() {
        awaitListeners("gateway-with-one-attached-route", new ListenerExpectation("http", 1, "Accepted=True", "ResolvedRefs=True"));
        awaitListeners("gateway-with-two-attached-routes", new ListenerExpectation("http", 2, "Accepted=True", "ResolvedRefs=True"));
        c.awaitRouteCondition("HTTPRoute", INFRA, "http-route-not-accepted", "gateway-with-two-attached-routes",
                "Accepted", "False", "NoMatchingListenerHostname");
    }

    @Test
    void attachedRoutesSetEvenWhenTheListenerHasUnresolvedRefs() {
        c.mesh.await("unresolved listener with one attached route", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "unresolved-gateway-with-one-attached-unresolved-route");
            JsonNode l = HTTPRouteBasicsIT.listener(gw, "tls");
            return latestConditions(gw) && l.path("attachedRoutes").asInt(-1) == 1
                    && hasCondition(l.path("conditions"), "Programmed", "False", null)
                    && hasCondition(l.path("conditions"), "ResolvedRefs", "False", null);
        });
        c.mesh.await("http-route-four ResolvedRefs=False", ConformanceMesh.WAIT, () -> {
            JsonNode cond = c.routeCondition("HTTPRoute", INFRA, "http-route-four",
                    "unresolved-gateway-with-one-attached-unresolved-route", "ResolvedRefs");
            return cond != null && cond.path("status").asText().equals("False");
        });
    }
}
