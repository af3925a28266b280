package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.APP;
import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import dev.lattice.it.conformance.ConformanceMesh.Option;
import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * More of upstream's HTTPRoute conformance tests (features Gateway, HTTPRoute, ReferenceGrant, HTTPRouteParentRefPort,
 * HTTPRouteBackendRequestHeaderModification, HTTPRouteRetryConnectionError): multiple Gateways, omitted backendRefs,
 * a disallowed route kind, Service types, backend header modifiers with weights, retries on connection errors,
 * invalid ReferenceGrants, a sectionName that does not match the port, and listener port matching. As in
 * {@link HTTPRouteBasicsIT}, each upstream test's routes get a hostname of their own on the shared Gateways.
 */
class HTTPRouteMoreIT {
    static ConformanceMesh c;
    static int same;
    static int all;

    static final String YAML = """
            # httproute-multiple-gateways
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: multiple-gateways-shared-route, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}, {name: all-namespaces}]
              hostnames: [multiple.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /shared}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: same-namespace-dedicated-route, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [multiple.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: all-namespaces-dedicated-route, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: all-namespaces}]
              hostnames: [multiple.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /}}]
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-omitted-backendrefs
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: omitted-backendrefs, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [omitted.example]
              rules:
              - matches: [{path: {type: Exact, value: /omitted-no-forward}}]
              - matches: [{path: {type: Exact, value: /empty-no-forward}}]
                backendRefs: []
              - matches: [{path: {type: PathPrefix, value: /}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # httproute-disallowed-kind
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tlsroutes-only, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: tls
                port: ${PORT1}
                protocol: TLS
                tls: {mode: Passthrough}
                allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: disallowed-kind, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: tlsroutes-only, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # httproute-service-types: Services without a selector whose EndpointSlices the test fills in, and a
            # headless one (clusterIP None) with a selector
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: service-types, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [service-types.example]
              rules:
              - matches: [{path: {type: Exact, value: /manual-endpointslices}}]
                backendRefs: [{name: manual-endpointslices, port: 8080}]
              - matches: [{path: {type: Exact, value: /headless}}]
                backendRefs: [{name: headless, port: 8080}]
              - matches: [{path: {type: Exact, value: /headless-manual-endpointslices}}]
                backendRefs: [{name: headless-manual-endpointslices, port: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: manual-endpointslices, namespace: gateway-conformance-infra}
            spec:
              ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: 3000}]
            ---
            SLICE(manual-endpointslices, ip4, IPv4)
            ---
            SLICE(manual-endpointslices, ip6, IPv6)
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: headless, namespace: gateway-conformance-infra}
            spec:
              clusterIP: None
              selector: {app: infra-backend-v1}
              ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: http}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: headless-manual-endpointslices, namespace: gateway-conformance-infra}
            spec:
              clusterIP: None
              ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: 3000}]
            ---
            SLICE(headless-manual-endpointslices, ip4, IPv4)
            ---
            SLICE(headless-manual-endpointslices, ip6, IPv6)
            ---
            # httproute-request-header-modifier-backend-weights
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: request-header-modifier-backend-weights, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [backend-weights.example]
              rules:
              - backendRefs:
                - name: infra-backend-v1
                  port: 8080
                  weight: 10
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: infra-backend-v1}]}}]
                - name: infra-backend-v2
                  port: 8080
                  weight: 10
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: infra-backend-v2}]}}]
            ---
            # httproute-retry-connection-error, adapted: a Workload whose port refuses connections until the test serves it
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: refusing, namespace: gateway-conformance-infra, labels: {app: refusing}}
            spec:
              ports: [{name: http, port: ${PORT6}}]
              sidecar: {inject: false}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: refusing, namespace: gateway-conformance-infra}
            spec:
              selector: {app: refusing}
              ports: [{name: http, port: 8080, targetPort: http}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: retries-connection-error, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [retry-connection.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /retry/no-status-code-attempts-3}}]
                retry: {attempts: 3, backoff: 1s}
                backendRefs: [{name: refusing, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /no-retry}}]
                backendRefs: [{name: refusing, port: 8080}]
            ---
            # httproute-invalid-reference-grant: none of these grants lets the route use web-backend
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-namespace, namespace: gateway-conformance-infra}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Service, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-from-group, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: not-the-group-youre-looking-for, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Service, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-from-kind, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Service, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-from-namespace, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: not-the-namespace-youre-looking-for}]
              to: [{group: "", kind: Service, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-to-group, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: not-the-group-youre-looking-for, kind: Service, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-to-kind, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Secret, name: web-backend}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant-wrong-to-name, namespace: gateway-conformance-web-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Secret, name: not-the-service-youre-looking-for}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reference-grant, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [invalid-grant.example]
              rules:
              - backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
            ---
            # httproute-partially-invalid-via-invalid-reference-grant
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: invalid-reference-grant, namespace: gateway-conformance-app-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Service, name: app-backend-v1}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-reference-grant, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [partially-invalid.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /v2}}]
                backendRefs: [{name: app-backend-v2, namespace: gateway-conformance-app-backend, port: 8080}]
              - backendRefs: [{name: app-backend-v1, namespace: gateway-conformance-app-backend, port: 8080}]
            ---
            # httproute-invalid-parentref-section-name-not-matching-port
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-with-one-not-matching-port-and-section-name-route, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT2}, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: httproute-listener-section-name-not-matching-port, namespace: gateway-conformance-infra}
            spec:
              parentRefs:
              - {name: gateway-with-one-not-matching-port-and-section-name-route, namespace: gateway-conformance-infra, sectionName: http, port: 81}
              rules:
              - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
            ---
            # httproute-invalid-cross-namespace-parent-ref, httproute-invalid-parentref-not-matching-listener-port and
            # -not-matching-section-name as upstream has them, on a Gateway like same-namespace (port PORT8 for 80) that
            # no other route uses, so that it must end with zero attached routes
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-namespace-isolated, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT8}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-cross-namespace-parent-ref, namespace: gateway-conformance-web-backend}
            spec:
              parentRefs: [{name: same-namespace-isolated, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: web-backend, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: httproute-listener-not-matching-route-port, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace-isolated, namespace: gateway-conformance-infra, port: 81}]
              rules:
              - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: httproute-listener-not-matching-section-name, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace-isolated, namespace: gateway-conformance-infra, port: ${PORT8}, sectionName: http1}]
              rules:
              - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
            ---
            # httproute-redirect-port-and-scheme (GatewayPort8080): upstream's listeners on 80, 8080 and 443 are
            # same-namespace and PORT9 and PORT10 here
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-namespace-with-http-listener-on-8080, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT9}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}
            type: kubernetes.io/tls
            data: {tls.crt: CRT_B64, tls.key: KEY_B64}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-namespace-with-https-listener, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - name: https
                port: ${PORT10}
                protocol: HTTPS
                allowedRoutes: {namespaces: {from: Same}}
                tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-for-listener-on-port-80, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-80}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 80, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-8080}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 8080, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-https-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-https-and-port-443}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: 443, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-https-and-port-8443}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: 8443, hostname: example.org}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-for-listener-on-port-8080, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace-with-http-listener-on-8080}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-80}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 80, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-https-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: example.org}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-route-for-listener-on-port-443, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace-with-https-listener}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-443}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 443, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-nil-and-port-8443}}]
                filters: [{type: RequestRedirect, requestRedirect: {port: 8443, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-http-and-port-nil}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: http, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-http-and-port-80}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: http, port: 80, hostname: example.org}}]
              - matches: [{path: {type: PathPrefix, value: /scheme-http-and-port-8080}}]
                filters: [{type: RequestRedirect, requestRedirect: {scheme: http, port: 8080, hostname: example.org}}]
            ---
            # httproute-listener-port-matching (upstream's 80, 8080 and 8090 are PORT3, PORT4 and PORT5)
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: httproute-listener-port-matching, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: listener-1, port: ${PORT3}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}, hostname: foo.com}
              - {name: listener-2, port: ${PORT4}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}, hostname: foo.com}
              - {name: listener-3, port: ${PORT4}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}, hostname: bar.com}
              - {name: listener-4, port: ${PORT5}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}, hostname: foo.com}
              - {name: listener-5, port: ${PORT5}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}, hostname: bar.com}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v1, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-listener-port-matching, namespace: gateway-conformance-infra, port: ${PORT3}}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v2, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-listener-port-matching, namespace: gateway-conformance-infra, port: ${PORT4}}]
              rules:
              - backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v3, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-listener-port-matching, namespace: gateway-conformance-infra, port: ${PORT5}, sectionName: listener-4}]
              rules:
              - backendRefs: [{name: infra-backend-v3, port: 8080}]
            """;

    /**
     * An EndpointSlice of Service {@code service} as upstream's manifest has it (one port, named like the Service's,
     * on the echo's port {@code port}), with {@code endpoints} (YAML, "[]" for none): the test fills them in later as
     * upstream's patches the slices with the backend pods' addresses.
     */
    static String slice(String service, String suffix, String addressType, String port, String endpoints) {
        return """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: SERVICE-SUFFIX
                  namespace: gateway-conformance-infra
                  labels: {kubernetes.io/service-name: SERVICE}
                addressType: TYPE
                ports: [{name: first-port, port: PORT, protocol: TCP}]
                endpoints: ENDPOINTS
                """.replace("SERVICE", service).replace("SUFFIX", suffix).replace("TYPE", addressType)
                .replace("PORT", port).replace("ENDPOINTS", endpoints);
    }

    static String withSlices(String yaml) {
        java.util.regex.Matcher m = Pattern.compile("SLICE\\(([a-z-]+), ([a-z0-9]+), ([A-Za-z0-9]+)\\)\n").matcher(yaml);
        return m.replaceAll(r -> Matcher.quoteReplacement(slice(r.group(1), r.group(2), r.group(3), "3000", "[]")));
    }

    static java.nio.file.Path certs;

    @BeforeAll
    static void up() throws Exception {
        certs = java.nio.file.Files.createTempDirectory("lattice-conformance-more-");
        TlsTestSupport.openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=example.org",
                "-addext", "subjectAltName=DNS:example.org", "-keyout", "tls.key", "-out", "tls.crt");
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String yaml = withSlices(YAML)
                .replace("CRT_B64", b64.encodeToString(java.nio.file.Files.readAllBytes(certs.resolve("tls.crt"))))
                .replace("KEY_B64", b64.encodeToString(java.nio.file.Files.readAllBytes(certs.resolve("tls.key"))));
        c = ConformanceMesh.start(yaml, Option.APP_BACKENDS);
        same = c.port("SAME");
        all = c.port("ALL");
        c.awaitReady(same, "omitted.example", "/", "infra-backend-v1");
    }

    @AfterAll
    static void down() throws java.io.IOException {
        if (c != null) c.close();
        if (certs != null) {
            try (var files = java.nio.file.Files.list(certs)) {
                for (java.nio.file.Path f : files.toList()) java.nio.file.Files.deleteIfExists(f);
            }
            java.nio.file.Files.deleteIfExists(certs);
        }
    }

    /** Upstream's eventually consistent request: waits until the answer is right, then checks it once more. */
    private static void expect(int port, String host, String path, String backend, String namespace) {
        c.awaitBackend(port, host, path, Map.of(), backend);
        Reply r = get(port, host, path);
        assertThat(r.status()).as("GET http://%s%s via %d: %s", host, path, port, r).isEqualTo(200);
        assertThat(r.backend()).as("GET http://%s%s via %d", host, path, port).isEqualTo(backend);
        assertThat(r.namespace()).isEqualTo(namespace);
    }

    private static void expectStatus(int port, String host, String path, int status) {
        c.awaitStatus(port, host, path, Map.of(), status);
        Reply r = get(port, host, path);
        assertThat(r.status()).as("GET http://%s%s via %d: %s", host, path, port, r).isEqualTo(status);
    }

    /** Upstream's HTTPRouteMustHaveResolvedRefsConditionsTrue plus Accepted=True for the parent. */
    private static void acceptedAndResolved(String route, String parent) {
        c.awaitRouteCondition("HTTPRoute", INFRA, route, parent, "Accepted", "True", "Accepted");
        c.awaitRouteCondition("HTTPRoute", INFRA, route, parent, "ResolvedRefs", "True", "ResolvedRefs");
    }

    /** Upstream's GatewayMustHaveZeroRoutes: no listener in status, or one with attachedRoutes 0. */
    private static void gatewayHasZeroRoutes(String gateway) {
        c.mesh.await(gateway + " with zero attached routes", ConformanceMesh.WAIT, () -> {
            JsonNode ls = c.resource("Gateway", INFRA, gateway).path("status").path("listeners");
            return ls.isEmpty() || (ls.size() == 1 && ls.get(0).path("attachedRoutes").asInt(-1) == 0);
        });
    }

    /** Upstream's HTTPRouteMustHaveNoAcceptedParents: no parent, or one whose Accepted condition is False. */
    private static void routeHasNoAcceptedParents(String route) throws Exception {
        JsonNode parents = c.resource("HTTPRoute", INFRA, route).path("status").path("parents");
        assertThat(parents.size()).as(parents.toString()).isLessThanOrEqualTo(1);
        for (JsonNode p : parents) {
            boolean notAccepted = false;
            for (JsonNode cond : p.path("conditions")) {
                notAccepted |= cond.path("type").asText().equals("Accepted") && cond.path("status").asText().equals("False");
            }
            assertThat(notAccepted).as(p.toString()).isTrue();
        }
    }

    @Test
    void multipleGatewaysShareARouteAndKeepTheirOwn() {
        acceptedAndResolved("multiple-gateways-shared-route", "same-namespace");
        acceptedAndResolved("multiple-gateways-shared-route", "all-namespaces");
        acceptedAndResolved("same-namespace-dedicated-route", "same-namespace");
        acceptedAndResolved("all-namespaces-dedicated-route", "all-namespaces");
        c.awaitBackend(all, "multiple.example", "/", Map.of(), "infra-backend-v3");
        expect(same, "multiple.example", "/shared", "infra-backend-v1", INFRA);
        expect(same, "multiple.example", "/", "infra-backend-v2", INFRA);
        expect(all, "multiple.example", "/shared", "infra-backend-v1", INFRA);
        expect(all, "multiple.example", "/", "infra-backend-v3", INFRA);
    }

    @Test
    void omittedOrEmptyBackendRefsAnswer500() {
        acceptedAndResolved("omitted-backendrefs", "same-namespace");
        expect(same, "omitted.example", "/forward", "infra-backend-v1", INFRA);
        expectStatus(same, "omitted.example", "/omitted-no-forward", 500);
        expectStatus(same, "omitted.example", "/empty-no-forward", 500);
    }

    @Test
    void disallowedKindIsNotAllowedByListeners() throws Exception {
        c.awaitRouteCondition("HTTPRoute", INFRA, "disallowed-kind", "tlsroutes-only", "ResolvedRefs", "True", "ResolvedRefs");
        c.awaitRouteCondition("HTTPRoute", INFRA, "disallowed-kind", "tlsroutes-only", "Accepted", "False", "NotAllowedByListeners");
        routeHasNoAcceptedParents("disallowed-kind");
        gatewayHasZeroRoutes("tlsroutes-only");
    }

    /**
     * httproute-service-types off Kubernetes: the Services without a selector get their endpoints from the EndpointSlices
     * labelled with their name; as upstream patches the slices with infra-backend-v1's pod addresses, the test writes
     * infra-backend-v1's address and port into the IPv4 slices (the IPv6 ones stay empty: it has no IPv6 address). The
     * headless Service (clusterIP: None) with a selector routes like any Service (Lattice has no cluster IPs).
     */
    @Test
    void serviceTypes() throws Exception {
        acceptedAndResolved("service-types", "same-namespace");
        String port = String.valueOf(c.echoPorts.get("infra-backend-v1"));
        for (String service : new String[] {"manual-endpointslices", "headless-manual-endpointslices"}) {
            java.nio.file.Files.writeString(c.fileOf(service + "-ip4"), slice(service, "ip4", "IPv4", port,
                    "[{addresses: [127.0.0.1], conditions: {ready: true, serving: true, terminating: false}}]"));
        }
        for (String path : new String[] {"/manual-endpointslices", "/headless-manual-endpointslices", "/headless"}) {
            expect(same, "service-types.example", path, "infra-backend-v1", INFRA);
        }
    }

    @Test
    void backendRequestHeaderModifierWithWeightsSetsTheHeaderOfTheChosenBackend() {
        acceptedAndResolved("request-header-modifier-backend-weights", "same-namespace");
        c.awaitStatus(same, "backend-weights.example", "/", Map.of(), 200);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            Reply r = get(same, "backend-weights.example", "/");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("headers").path("backend").size()).as(r.toString()).isEqualTo(1);
            assertThat(r.requestHeader("Backend")).as(r.toString()).isEqualTo(r.backend());
            seen.merge(r.backend(), 1, Integer::sum);
        }
        assertThat(seen.keySet()).as(seen.toString()).containsExactlyInAnyOrder("infra-backend-v1", "infra-backend-v2");
    }

    /** The gateway proxy's counter of failed upstream connections for a cluster (from its Prometheus text). */
    private static long connectFailures(String cluster) throws Exception {
        int admin = -1;
        for (JsonNode p : c.mesh.adminJson("/api/v1/proxies")) {
            if (p.path("role").asText().equals("gateway") && p.path("name").asText().equals("same-namespace")) {
                admin = p.path("adminPort").asInt(-1);
            }
        }
        assertThat(admin).as("admin port of gateway same-namespace").isPositive();
        String text = Mesh.get(URI.create("http://127.0.0.1:" + admin + "/metrics"), Map.of()).body();
        Matcher m = Pattern.compile("(?m)^lattice_proxy_upstream_connect_failures_total\\{cluster=\"" + Pattern.quote(cluster)
                + "\"[^}]*} ([0-9.eE+]+)$").matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * httproute-retry-connection-error, adapted. Upstream's echo resets the first N connections of a request id; here
     * the backend is a Workload whose port refuses connections until the test itself starts serving it. With
     * {@code retry: {attempts: 3, backoff: 1s}}: when the port opens after two refused attempts, the third succeeds
     * (200); when it never opens, the request fails (503) after exactly 1 + 3 attempts. Without retry: one attempt.
     */
    @Test
    void retryOnConnectionErrors() throws Exception {
        acceptedAndResolved("retries-connection-error", "same-namespace");
        String cluster = INFRA + "/refusing/8080";
        String host = "retry-connection.example";
        int port = c.port("PORT6");
        // no retry: one attempt, then 503
        long before = connectFailures(cluster);
        assertThat(get(same, host, "/no-retry").status()).isEqualTo(503);
        c.mesh.await("1 connect failure", ConformanceMesh.WAIT, () -> connectFailures(cluster) - before >= 1);
        assertThat(connectFailures(cluster) - before).isEqualTo(1);
        // fails when the required retries exceed the attempts: 1 + 3 refused attempts, then 503
        long before2 = connectFailures(cluster);
        Reply failed = get(same, host, "/retry/no-status-code-attempts-3");
        assertThat(failed.status()).as(failed.toString()).isIn(500, 503);
        c.mesh.await("4 connect failures", ConformanceMesh.WAIT, () -> connectFailures(cluster) - before2 >= 4);
        assertThat(connectFailures(cluster) - before2).isEqualTo(4);
        // succeeds after 2 retries: the port opens after the second refused attempt
        long before3 = connectFailures(cluster);
        java.util.concurrent.CompletableFuture<Reply> reply = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> get(same, host, "/retry/no-status-code-attempts-3"));
        c.mesh.await("2 connect failures", ConformanceMesh.WAIT, () -> connectFailures(cluster) - before3 >= 2);
        try (java.net.ServerSocket server = new java.net.ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            Thread t = Thread.ofVirtual().start(() -> answerOnce(server));
            Reply ok = reply.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.backend()).isEqualTo("recovered");
            t.join(5000);
        }
        assertThat(connectFailures(cluster) - before3).isEqualTo(2);
    }

    /** Answers one HTTP/1.1 request on the server socket with a small echo-like JSON naming "recovered". */
    private static void answerOnce(java.net.ServerSocket server) {
        try (java.net.Socket s = server.accept()) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // request line and headers: the request has no body
            }
            byte[] body = ("{\"name\":\"recovered\",\"namespace\":\"" + INFRA + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("conformance: serving the recovered backend", e);
        }
    }

    @Test
    void invalidReferenceGrantsDoNotPermitTheBackend() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "reference-grant", "same-namespace", "Accepted", "True", "Accepted");
        c.awaitRouteCondition("HTTPRoute", INFRA, "reference-grant", "same-namespace", "ResolvedRefs", "False", "RefNotPermitted");
        c.awaitStatus(same, "invalid-grant.example", "/", Map.of(), 500);
        for (int i = 0; i < 10; i++) expectStatus(same, "invalid-grant.example", "/", 500);
    }

    @Test
    void partiallyInvalidViaInvalidReferenceGrant() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-reference-grant", "same-namespace", "Accepted", "True", "Accepted");
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-reference-grant", "same-namespace", "ResolvedRefs", "False", "RefNotPermitted");
        c.awaitStatus(same, "partially-invalid.example", "/v2", Map.of(), 500);
        expect(same, "partially-invalid.example", "/", "app-backend-v1", APP);
        expectStatus(same, "partially-invalid.example", "/v2", 500);
    }

    @Test
    void sectionNameNotMatchingPortIsNoMatchingParent() throws Exception {
        c.awaitRouteCondition("HTTPRoute", INFRA, "httproute-listener-section-name-not-matching-port",
                "gateway-with-one-not-matching-port-and-section-name-route", "Accepted", "False", "NoMatchingParent");
        routeHasNoAcceptedParents("httproute-listener-section-name-not-matching-port");
        gatewayHasZeroRoutes("gateway-with-one-not-matching-port-and-section-name-route");
        expectStatus(c.port("PORT2"), "any.example", "/", 404);
    }

    @Test
    void invalidParentRefsAreNotAcceptedAndAttachNothing() throws Exception {
        String gw = "same-namespace-isolated";
        c.awaitRouteCondition("HTTPRoute", ConformanceMesh.WEB, "invalid-cross-namespace-parent-ref", gw, "ResolvedRefs", "True", "ResolvedRefs");
        c.awaitRouteCondition("HTTPRoute", ConformanceMesh.WEB, "invalid-cross-namespace-parent-ref", gw, "Accepted", "False", "NotAllowedByListeners");
        JsonNode parents = c.resource("HTTPRoute", ConformanceMesh.WEB, "invalid-cross-namespace-parent-ref").path("status").path("parents");
        assertThat(parents.size()).as(parents.toString()).isEqualTo(1);
        for (String route : new String[] {"httproute-listener-not-matching-route-port", "httproute-listener-not-matching-section-name"}) {
            c.awaitRouteCondition("HTTPRoute", INFRA, route, gw, "ResolvedRefs", "True", "ResolvedRefs");
            c.awaitRouteCondition("HTTPRoute", INFRA, route, gw, "Accepted", "False", "NoMatchingParent");
            routeHasNoAcceptedParents(route);
        }
        gatewayHasZeroRoutes(gw);
        expectStatus(c.port("PORT8"), "any.example", "/", 404);
    }

    /** The status and Location of a GET over TLS with curl: SNI and Host example.org, resolved to 127.0.0.1. */
    static String[] httpsRedirect(int port, String path) throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "-k", "--http1.1", "-o", "/dev/null", "-D", "-",
                "--resolve", "example.org:" + port + ":127.0.0.1", "https://example.org:" + port + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String status = "";
        String location = null;
        for (String line : out.split("\r?\n")) {
            if (line.startsWith("HTTP/")) status = line.split(" ")[1];
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("location:")) location = line.substring(9).trim();
        }
        return new String[] {status, location};
    }

    /**
     * httproute-redirect-port-and-scheme: the Location's port by the spec's rules. Where upstream's listener port is
     * the scheme's default (80, 443) and the redirect names no port, Location carries the listener's port here, as
     * our listeners are on free ports; every other expectation is upstream's.
     */
    @Test
    void redirectPortAndScheme() throws Exception {
        int p80 = same;
        int p8080 = c.port("PORT9");
        int p443 = c.port("PORT10");
        String[][] on80 = {
            {"/scheme-nil-and-port-nil", "http://example.org:" + p80 + "/scheme-nil-and-port-nil"},
            {"/scheme-nil-and-port-80", "http://example.org/scheme-nil-and-port-80"},
            {"/scheme-nil-and-port-8080", "http://example.org:8080/scheme-nil-and-port-8080"},
            {"/scheme-https-and-port-nil", "https://example.org/scheme-https-and-port-nil"},
            {"/scheme-https-and-port-443", "https://example.org/scheme-https-and-port-443"},
            {"/scheme-https-and-port-8443", "https://example.org:8443/scheme-https-and-port-8443"},
        };
        String[][] on8080 = {
            {"/scheme-nil-and-port-nil", "http://example.org:" + p8080 + "/scheme-nil-and-port-nil"},
            {"/scheme-nil-and-port-80", "http://example.org/scheme-nil-and-port-80"},
            {"/scheme-https-and-port-nil", "https://example.org/scheme-https-and-port-nil"},
        };
        String[][] on443 = {
            {"/scheme-nil-and-port-nil", "https://example.org:" + p443 + "/scheme-nil-and-port-nil"},
            {"/scheme-nil-and-port-443", "https://example.org/scheme-nil-and-port-443"},
            {"/scheme-nil-and-port-8443", "https://example.org:8443/scheme-nil-and-port-8443"},
            {"/scheme-http-and-port-nil", "http://example.org/scheme-http-and-port-nil"},
            {"/scheme-http-and-port-80", "http://example.org/scheme-http-and-port-80"},
            {"/scheme-http-and-port-8080", "http://example.org:8080/scheme-http-and-port-8080"},
        };
        for (String route : new String[] {"http-route-for-listener-on-port-80", "http-route-for-listener-on-port-8080",
                "http-route-for-listener-on-port-443"}) {
            c.mesh.await(route + " Accepted", ConformanceMesh.WAIT, () -> {
                for (JsonNode p : c.resource("HTTPRoute", INFRA, route).path("status").path("parents")) {
                    for (JsonNode cond : p.path("conditions")) {
                        if (cond.path("type").asText().equals("Accepted") && cond.path("status").asText().equals("True")) return true;
                    }
                }
                return false;
            });
        }
        for (int[] port : new int[][] {{p80}, {p8080}}) {
            for (String[] k : port[0] == p80 ? on80 : on8080) {
                c.awaitStatus(port[0], "ports.example", k[0], Map.of(), 302);
                Reply r = get(port[0], "ports.example", k[0]);
                assertThat(r.status()).as(r.toString()).isEqualTo(302);
                assertThat(r.header("location")).as("via " + port[0] + " " + k[0]).isEqualTo(k[1]);
            }
        }
        c.mesh.await("the HTTPS listener redirecting", ConformanceMesh.WAIT, () -> "302".equals(httpsRedirect(p443, on443[0][0])[0]));
        for (String[] k : on443) {
            String[] r = httpsRedirect(p443, k[0]);
            assertThat(r[0]).as("https via " + p443 + " " + k[0]).isEqualTo("302");
            assertThat(r[1]).as("https via " + p443 + " " + k[0]).isEqualTo(k[1]);
        }
    }

    @Test
    void listenerPortMatching() {
        int p80 = c.port("PORT3");
        int p8080 = c.port("PORT4");
        int p8090 = c.port("PORT5");
        for (String r : new String[] {"backend-v1", "backend-v2", "backend-v3"}) {
            acceptedAndResolved(r, "httproute-listener-port-matching");
        }
        c.awaitBackend(p8090, "foo.com:" + p8090, "/", Map.of(), "infra-backend-v3");
        expect(p80, "foo.com", "/", "infra-backend-v1", INFRA);
        expect(p8080, "foo.com:" + p8080, "/", "infra-backend-v2", INFRA);
        expect(p8080, "bar.com:" + p8080, "/", "infra-backend-v2", INFRA);
        expect(p8090, "foo.com:" + p8090, "/", "infra-backend-v3", INFRA);
        expectStatus(p8090, "bar.com:" + p8090, "/", 404);
    }
}
