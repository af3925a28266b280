package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.APP;
import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.WEB;
import static dev.lattice.it.conformance.ConformanceMesh.get;
import static dev.lattice.it.conformance.ConformanceMesh.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import dev.lattice.it.conformance.ConformanceMesh.Option;
import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's core HTTPRoute conformance tests (features Gateway, HTTPRoute, ReferenceGrant,
 * HTTPRouteQueryParamMatching, HTTPRouteMethodMatching, HTTPRouteParentRefPort, HTTPRouteBackendProtocolH2C,
 * GatewayHTTPListenerIsolation), one mesh for the class. Each upstream test's routes get their own hostname here
 * so that they can share the base Gateways at once (upstream applies them one test at a time).
 */
class HTTPRouteBasicsIT {
    static ConformanceMesh c;
    static int same;
    static int backendNs;
    static int intersection;
    static int intersectionAll;
    static int listenerHosts;

    static final String YAML = """
            # httproute-simple-same-namespace
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: gateway-conformance-infra-test, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [simple.example]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # httproute-exact-path-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: exact-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [exact.example]
              rules:
              - matches: [{path: {type: Exact, value: /one}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{path: {type: Exact, value: /two}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [matching.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches:
                - path: {type: PathPrefix, value: /v2}
                - headers: [{name: version, value: two}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-header-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: header-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [headers.example]
              rules:
              - matches: [{headers: [{name: version, value: one}]}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{headers: [{name: version, value: two}]}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
              - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{headers: [{name: color, value: blue}]}, {headers: [{name: color, value: green}]}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{headers: [{name: color, value: red}]}, {headers: [{name: color, value: yellow}]}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-query-param-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: query-param-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [query.example]
              rules:
              - matches: [{queryParams: [{name: animal, value: whale}]}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{queryParams: [{name: animal, value: dolphin}]}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
              - matches:
                - queryParams: [{name: animal, value: dolphin}, {name: color, value: blue}]
                - queryParams: [{name: ANIMAL, value: Whale}]
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-method-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: method-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [method.example]
              rules:
              - matches: [{method: POST}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{method: GET}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-weight (and a weight-0 backend)
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: weighted-backends, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [weight.example]
              rules:
              - backendRefs:
                - {name: infra-backend-v1, port: 8080, weight: 70}
                - {name: infra-backend-v2, port: 8080, weight: 30}
                - {name: infra-backend-v3, port: 8080, weight: 0}
            ---
            # httproute-cross-namespace
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: cross-namespace, namespace: gateway-conformance-web-backend}
            spec:
              parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}]
              rules:
              - backendRefs: [{name: web-backend, port: 8080}]
            ---
            # httproute-reference-grant
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reference-grant, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grant.example]
              rules:
              - backendRefs: [{name: app-backend-v1, namespace: gateway-conformance-app-backend, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: reference-grant, namespace: gateway-conformance-app-backend}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
              to: [{group: "", kind: Service, name: app-backend-v1}]
            ---
            # httproute-invalid-cross-namespace-backend-ref (no grant for app-backend-v2)
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-cross-namespace-backend-ref, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [nogrant.example]
              rules:
              - backendRefs: [{name: app-backend-v2, namespace: gateway-conformance-app-backend, port: 8080}]
            ---
            # httproute-invalid-nonexistent-backendref
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-nonexistent-backend-ref, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [nonexistent.example]
              rules:
              - backendRefs: [{name: nonexistent, port: 8080}]
            ---
            # httproute-invalid-backendref-unknown-kind
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-backend-ref-unknown-kind, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [unknownkind.example]
              rules:
              - backendRefs: [{group: unknownkind.example.com, kind: NonExistent, name: infra-backend-v1, port: 8080}]
            ---
            # an invalid backend's share of the traffic gets 500
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: partially-invalid, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [partial.example]
              rules:
              - backendRefs:
                - {name: infra-backend-v1, port: 8080, weight: 50}
                - {name: nonexistent, port: 8080, weight: 50}
            ---
            # httproute-invalid-parentref-not-matching-section-name
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: nonexistent-section, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace, sectionName: nonexistent}]
              hostnames: [nosection.example]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # httproute-invalid-parentref-not-matching-listener-port
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: httproute-listener-not-matching-route-port, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace, port: 81}]
              hostnames: [noport.example]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # HTTPRouteParentRefPort: the listener's own port selects it
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: parent-ref-port, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace, port: ${SAME}}]
              hostnames: [parentport.example]
              rules:
              - backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-invalid-cross-namespace-parent-ref
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: invalid-cross-namespace-parent-ref, namespace: gateway-conformance-web-backend}
            spec:
              parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra}]
              hostnames: [crossparent.example]
              rules:
              - backendRefs: [{name: web-backend, port: 8080}]
            ---
            # httproute-backend-protocol-h2c
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-protocol-h2c, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [h2c.example]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8081}]
            ---
            # httproute-hostname-intersection
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: httproute-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: listener-1, port: ${PORT1}, protocol: HTTP, hostname: very.specific.com, allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-2, port: ${PORT1}, protocol: HTTP, hostname: "*.wildcard.io", allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-3, port: ${PORT1}, protocol: HTTP, hostname: "*.anotherwildcard.io", allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: httproute-hostname-intersection-all, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: listener-1, port: ${PORT2}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: specific-host-matches-listener-specific-host, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection}]
              hostnames: [non.matching.com, "*.nonmatchingwildcard.io", very.specific.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /s1}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: specific-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection}]
              hostnames: [non.matching.com, wildcard.io, foo.wildcard.io, bar.wildcard.io, foo.bar.wildcard.io]
              rules:
              - matches: [{path: {type: PathPrefix, value: /s2}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: wildcard-host-matches-listener-specific-host, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection}]
              hostnames: [non.matching.com, "*.specific.com"]
              rules:
              - matches: [{path: {type: PathPrefix, value: /s3}}]
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: wildcard-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection}]
              hostnames: ["*.anotherwildcard.io"]
              rules:
              - matches: [{path: {type: PathPrefix, value: /s4}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: no-intersecting-hosts, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection}]
              hostnames: [specific.but.wrong.com, wildcard.io]
              rules:
              - matches: [{path: {type: PathPrefix, value: /s5}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: route-hostnames-on-listener-without-hostname, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-hostname-intersection-all}]
              hostnames: [very.specific.com]
              rules:
              - backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-listener-hostname-matching (and listener isolation: the most specific listener wins)
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: httproute-listener-hostname-matching, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: listener-1, port: ${PORT3}, protocol: HTTP, hostname: bar.com, allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-2, port: ${PORT3}, protocol: HTTP, hostname: foo.bar.com, allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-3, port: ${PORT3}, protocol: HTTP, hostname: "*.bar.com", allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-4, port: ${PORT3}, protocol: HTTP, hostname: "*.foo.com", allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v1, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-1}]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v2, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-2}]
              rules:
              - backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: backend-v3, namespace: gateway-conformance-infra}
            spec:
              parentRefs:
              - {name: httproute-listener-hostname-matching, sectionName: listener-3}
              - {name: httproute-listener-hostname-matching, sectionName: listener-4}
              rules:
              - backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-path-match-order
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: path-matching-order, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [order.example]
              rules:
              - matches: [{path: {type: Exact, value: /match}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{path: {type: Exact, value: /match/exact}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
              - matches: [{path: {type: Exact, value: /match/exact/one}}]
                backendRefs: [{name: infra-backend-v3, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /match/}}]
                backendRefs: [{name: infra-backend-v3, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /match/prefix/}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /match/prefix/one}}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # httproute-observed-generation-bump (the test edits this resource's file)
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: observed-generation-bump, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [generation.example]
              rules:
              - backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # httproute-matching-across-routes (hostnames example.com/example.net made our own)
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: matching-part1, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [across.example.com, across.example.net]
              rules:
              - matches: [{path: {type: PathPrefix, value: /}}, {headers: [{name: version, value: one}]}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: matching-part2, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [across.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /v2}}, {headers: [{name: version, value: two}]}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            # gateway-invalid-route-kind
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-only-invalid-route-kind, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT5}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: InvalidRoute}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-supported-and-invalid-route-kind, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT6}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: InvalidRoute}, {kind: HTTPRoute}]}}
            ---
            # gateway-invalid-listeners-unsupported-protocol
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-only-unsupported-protocols, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: invalid, port: ${PORT7}, protocol: INVALID}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gateway-supported-and-unsupported-protocols, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: ${PORT8}, protocol: HTTP}
              - {name: invalid, port: ${PORT7}, protocol: INVALID}
            ---
            # gateway-http-listener-isolation: a request is served only by the most specific matching listener's routes
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: http-listener-isolation, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: empty-hostname, port: ${PORT4}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
              - {name: wildcard-example-com, port: ${PORT4}, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
              - {name: wildcard-foo-example-com, port: ${PORT4}, protocol: HTTP, hostname: "*.foo.example.com", allowedRoutes: {namespaces: {from: All}}}
              - {name: abc-foo-example-com, port: ${PORT4}, protocol: HTTP, hostname: abc.foo.example.com, allowedRoutes: {namespaces: {from: All}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-empty-hostname, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation, sectionName: empty-hostname}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /empty-hostname}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-wildcard-example-com, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation, sectionName: wildcard-example-com}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /wildcard-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-wildcard-foo-example-com, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation, sectionName: wildcard-foo-example-com}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /wildcard-foo-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-abc-foo-example-com, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation, sectionName: abc-foo-example-com}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /abc-foo-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            # gateway-http-listener-isolation, second part: every route names all four hostnames; isolation still
            # sends each host to the most specific listener's route only
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: http-listener-isolation-with-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: empty-hostname, port: ${PORT9}, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
              - {name: wildcard-example-com, port: ${PORT9}, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
              - {name: wildcard-foo-example-com, port: ${PORT9}, protocol: HTTP, hostname: "*.foo.example.com", allowedRoutes: {namespaces: {from: All}}}
              - {name: abc-foo-example-com, port: ${PORT9}, protocol: HTTP, hostname: abc.foo.example.com, allowedRoutes: {namespaces: {from: All}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-empty-hostname-with-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation-with-hostname-intersection, sectionName: empty-hostname}]
              hostnames: [bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /empty-hostname}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-wildcard-example-com-with-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation-with-hostname-intersection, sectionName: wildcard-example-com}]
              hostnames: [bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /wildcard-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-wildcard-foo-example-com-with-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation-with-hostname-intersection, sectionName: wildcard-foo-example-com}]
              hostnames: [bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /wildcard-foo-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: attaches-to-abc-foo-example-com-with-hostname-intersection, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: http-listener-isolation-with-hostname-intersection, sectionName: abc-foo-example-com}]
              hostnames: [bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /abc-foo-example-com}}]
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            """;

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(YAML, Option.APP_BACKENDS);
        same = c.port("SAME");
        backendNs = c.port("BACKEND");
        intersection = c.port("PORT1");
        intersectionAll = c.port("PORT2");
        listenerHosts = c.port("PORT3");
        c.awaitReady(same, "simple.example", "/", "infra-backend-v1");
    }

    @AfterAll
    static void down() {
        if (c != null) c.close();
    }

    private static void expect(int port, String host, String path, Map<String, String> headers, String backend) {
        Reply r = get(port, host, path, headers);
        assertThat(r.status()).as("GET http://%s%s %s: %s", host, path, headers, r).isEqualTo(200);
        assertThat(r.backend()).as("GET http://%s%s %s", host, path, headers).isEqualTo(backend);
    }

    private static void expectStatus(int port, String host, String path, Map<String, String> headers, int status) {
        Reply r = get(port, host, path, headers);
        assertThat(r.status()).as("GET http://%s%s %s: %s", host, path, headers, r).isEqualTo(status);
    }

    @Test
    void simpleSameNamespace() throws Exception {
        Reply r = get(same, "simple.example", "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.backend()).isEqualTo("infra-backend-v1");
        assertThat(r.namespace()).isEqualTo(INFRA);
        c.awaitRouteCondition("HTTPRoute", INFRA, "gateway-conformance-infra-test", "same-namespace", "Accepted", "True", "Accepted");
        c.awaitRouteCondition("HTTPRoute", INFRA, "gateway-conformance-infra-test", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
    }

    @Test
    void gatewayStatusIsAcceptedAndProgrammed() throws Exception {
        c.mesh.await("same-namespace Accepted and Programmed", java.time.Duration.ofSeconds(30), () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "same-namespace");
            return condition(gw.path("status").path("conditions"), "Accepted").equals("True")
                    && condition(gw.path("status").path("conditions"), "Programmed").equals("True");
        });
    }

    static String condition(JsonNode conditions, String type) {
        for (JsonNode c : conditions) {
            if (c.path("type").asText().equals(type)) return c.path("status").asText();
        }
        return "";
    }

    @Test
    void exactPathMatching() {
        c.awaitBackend(same, "exact.example", "/one", Map.of(), "infra-backend-v1");
        expect(same, "exact.example", "/one", Map.of(), "infra-backend-v1");
        expect(same, "exact.example", "/two", Map.of(), "infra-backend-v2");
        expectStatus(same, "exact.example", "/", Map.of(), 404);
        expectStatus(same, "exact.example", "/one/example", Map.of(), 404);
        expectStatus(same, "exact.example", "/two/", Map.of(), 404);
        expectStatus(same, "exact.example", "/Two", Map.of(), 404);
        expectStatus(same, "exact.example", "/onetwo", Map.of(), 404);
    }

    @Test
    void pathAndHeaderMatching() {
        c.awaitBackend(same, "matching.example", "/", Map.of(), "infra-backend-v1");
        expect(same, "matching.example", "/", Map.of(), "infra-backend-v1");
        expect(same, "matching.example", "/example", Map.of(), "infra-backend-v1");
        expect(same, "matching.example", "/", Map.of("Version", "one"), "infra-backend-v1");
        expect(same, "matching.example", "/v2", Map.of(), "infra-backend-v2");
        expect(same, "matching.example", "/v2/example", Map.of(), "infra-backend-v2");
        expect(same, "matching.example", "/", Map.of("Version", "two"), "infra-backend-v2");
        expect(same, "matching.example", "/v2example", Map.of(), "infra-backend-v1");
        expect(same, "matching.example", "/foo/v2/example", Map.of(), "infra-backend-v1");
    }

    @Test
    void headerMatching() {
        c.awaitBackend(same, "headers.example", "/", Map.of("version", "one"), "infra-backend-v1");
        expect(same, "headers.example", "/", Map.of("Version", "one"), "infra-backend-v1");
        expect(same, "headers.example", "/", Map.of("Version", "two"), "infra-backend-v2");
        expect(same, "headers.example", "/", Map.of("Version", "two", "Color", "orange"), "infra-backend-v1");
        expect(same, "headers.example", "/", Map.of("Color", "blue"), "infra-backend-v1");
        expect(same, "headers.example", "/", Map.of("Color", "green"), "infra-backend-v1");
        expect(same, "headers.example", "/", Map.of("Color", "red"), "infra-backend-v2");
        expect(same, "headers.example", "/", Map.of("Color", "yellow"), "infra-backend-v2");
        expectStatus(same, "headers.example", "/", Map.of(), 404);
        expectStatus(same, "headers.example", "/", Map.of("Version", "three"), 404);
        expectStatus(same, "headers.example", "/", Map.of("Color", "purple"), 404);
    }

    @Test
    void queryParamMatching() {
        c.awaitBackend(same, "query.example", "/?animal=whale", Map.of(), "infra-backend-v1");
        expect(same, "query.example", "/?animal=whale", Map.of(), "infra-backend-v1");
        expect(same, "query.example", "/?animal=dolphin", Map.of(), "infra-backend-v2");
        expect(same, "query.example", "/?animal=dolphin&color=blue", Map.of(), "infra-backend-v3");
        expect(same, "query.example", "/?ANIMAL=Whale", Map.of(), "infra-backend-v3");
        expectStatus(same, "query.example", "/?animal=cat", Map.of(), 404);
        expectStatus(same, "query.example", "/", Map.of(), 404);
    }

    @Test
    void methodMatching() {
        c.awaitBackend(same, "method.example", "/", Map.of(), "infra-backend-v2");
        Reply post = send(same, "POST", "method.example", "/", Map.of());
        assertThat(post.backend()).as(post.toString()).isEqualTo("infra-backend-v1");
        assertThat(get(same, "method.example", "/").backend()).isEqualTo("infra-backend-v2");
        assertThat(send(same, "DELETE", "method.example", "/", Map.of()).status()).isEqualTo(404);
        assertThat(send(same, "PUT", "method.example", "/", Map.of()).status()).isEqualTo(404);
    }

    @Test
    void weightedBackendsSplitWithinFivePercentAndNeverPickWeightZero() {
        c.awaitBackend(same, "weight.example", "/", Map.of(), "infra-backend-v1");
        int n = 600;
        Map<String, Integer> counts = ConformanceMesh.distribution(same, "weight.example", "/", n);
        assertThat(counts.keySet()).as(counts.toString()).containsOnly("infra-backend-v1", "infra-backend-v2");
        assertThat(counts.get("infra-backend-v1") / (double) n).as(counts.toString()).isCloseTo(0.70, within(0.05));
        assertThat(counts.get("infra-backend-v2") / (double) n).as(counts.toString()).isCloseTo(0.30, within(0.05));
        assertThat(counts.getOrDefault("infra-backend-v3", 0)).isZero();
    }

    @Test
    void crossNamespaceRouteOnSelectorGateway() throws Exception {
        c.awaitBackend(backendNs, "anything.example", "/", Map.of(), "web-backend");
        Reply r = get(backendNs, "anything.example", "/");
        assertThat(r.namespace()).isEqualTo(WEB);
        c.awaitRouteCondition("HTTPRoute", WEB, "cross-namespace", "backend-namespaces", "Accepted", "True", "Accepted");
    }

    @Test
    void referenceGrantAllowsTheGrantedBackendOnly() throws Exception {
        c.awaitBackend(same, "grant.example", "/", Map.of(), "app-backend-v1");
        assertThat(get(same, "grant.example", "/").namespace()).isEqualTo(APP);
        c.awaitRouteCondition("HTTPRoute", INFRA, "reference-grant", "same-namespace", "ResolvedRefs", "True", "ResolvedRefs");
        // httproute-invalid-cross-namespace-backend-ref: no grant for app-backend-v2
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-cross-namespace-backend-ref", "same-namespace",
                "ResolvedRefs", "False", "RefNotPermitted");
        c.awaitStatus(same, "nogrant.example", "/", Map.of(), 500);
    }

    @Test
    void nonexistentBackendIs500AndBackendNotFound() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-nonexistent-backend-ref", "same-namespace",
                "ResolvedRefs", "False", "BackendNotFound");
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-nonexistent-backend-ref", "same-namespace",
                "Accepted", "True", "Accepted");
        c.awaitStatus(same, "nonexistent.example", "/", Map.of(), 500);
    }

    @Test
    void unknownBackendKindIs500AndInvalidKind() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "invalid-backend-ref-unknown-kind", "same-namespace",
                "ResolvedRefs", "False", "InvalidKind");
        c.awaitStatus(same, "unknownkind.example", "/", Map.of(), 500);
    }

    @Test
    void invalidBackendGets500ForExactlyItsShare() {
        c.awaitBackend(same, "partial.example", "/", Map.of(), "infra-backend-v1");
        int n = 600;
        Map<String, Integer> counts = ConformanceMesh.distribution(same, "partial.example", "/", n);
        assertThat(counts.keySet()).as(counts.toString()).containsOnly("infra-backend-v1", "HTTP 500");
        assertThat(counts.get("HTTP 500") / (double) n).as(counts.toString()).isCloseTo(0.5, within(0.05));
    }

    @Test
    void parentRefWithUnknownSectionNameOrPortIsNoMatchingParent() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "nonexistent-section", "same-namespace", "Accepted", "False", "NoMatchingParent");
        c.awaitRouteCondition("HTTPRoute", INFRA, "httproute-listener-not-matching-route-port", "same-namespace",
                "Accepted", "False", "NoMatchingParent");
        expectStatus(same, "nosection.example", "/", Map.of(), 404);
        expectStatus(same, "noport.example", "/", Map.of(), 404);
    }

    @Test
    void parentRefPortSelectsTheListener() {
        c.awaitBackend(same, "parentport.example", "/", Map.of(), "infra-backend-v2");
        c.awaitRouteCondition("HTTPRoute", INFRA, "parent-ref-port", "same-namespace", "Accepted", "True", "Accepted");
    }

    @Test
    void routeFromANamespaceTheListenerDoesNotAllowIsNotAllowedByListeners() {
        c.awaitRouteCondition("HTTPRoute", WEB, "invalid-cross-namespace-parent-ref", "same-namespace",
                "Accepted", "False", "NotAllowedByListeners");
        expectStatus(same, "crossparent.example", "/", Map.of(), 404);
    }

    @Test
    void h2cBackendIsCalledOverHttp2() {
        c.awaitBackend(same, "h2c.example", "/", Map.of(), "infra-backend-v1");
        Reply r = get(same, "h2c.example", "/");
        assertThat(r.json().path("proto").asText()).isEqualTo("HTTP/2.0");
    }

    @Test
    void hostnameIntersection() {
        c.awaitBackend(intersection, "very.specific.com", "/s1", Map.of(), "infra-backend-v1");
        expect(intersection, "very.specific.com", "/s1", Map.of(), "infra-backend-v1");
        expectStatus(intersection, "non.matching.com", "/s1", Map.of(), 404);
        expectStatus(intersection, "foo.nonmatchingwildcard.io", "/s1", Map.of(), 404);
        expect(intersection, "foo.wildcard.io", "/s2", Map.of(), "infra-backend-v2");
        expect(intersection, "bar.wildcard.io", "/s2", Map.of(), "infra-backend-v2");
        expect(intersection, "foo.bar.wildcard.io", "/s2", Map.of(), "infra-backend-v2");
        expectStatus(intersection, "wildcard.io", "/s2", Map.of(), 404);
        expectStatus(intersection, "non.matching.com", "/s2", Map.of(), 404);
        expect(intersection, "very.specific.com", "/s3", Map.of(), "infra-backend-v3");
        expectStatus(intersection, "foo.specific.com", "/s3", Map.of(), 404);
        expect(intersection, "foo.anotherwildcard.io", "/s4", Map.of(), "infra-backend-v1");
        expect(intersection, "bar.foo.anotherwildcard.io", "/s4", Map.of(), "infra-backend-v1");
        expectStatus(intersection, "anotherwildcard.io", "/s4", Map.of(), 404);
        expectStatus(intersection, "specific.but.wrong.com", "/s5", Map.of(), 404);
        expectStatus(intersection, "wildcard.io", "/s5", Map.of(), 404);
        // a listener without hostname takes the route's hostnames as they are
        c.awaitBackend(intersectionAll, "very.specific.com", "/", Map.of(), "infra-backend-v3");
        expectStatus(intersectionAll, "other.com", "/", Map.of(), 404);
    }

    @Test
    void routeWithNoIntersectingHostnameIsNoMatchingListenerHostname() {
        c.awaitRouteCondition("HTTPRoute", INFRA, "no-intersecting-hosts", "httproute-hostname-intersection",
                "Accepted", "False", "NoMatchingListenerHostname");
    }

    @Test
    void pathMatchOrder() {
        c.awaitBackend(same, "order.example", "/match", Map.of(), "infra-backend-v1");
        expect(same, "order.example", "/match/exact/one", Map.of(), "infra-backend-v3");
        expect(same, "order.example", "/match/exact", Map.of(), "infra-backend-v2");
        expect(same, "order.example", "/match", Map.of(), "infra-backend-v1");
        expect(same, "order.example", "/match/prefix/one/any", Map.of(), "infra-backend-v2");
        expect(same, "order.example", "/match/prefix/any", Map.of(), "infra-backend-v1");
        expect(same, "order.example", "/match/any", Map.of(), "infra-backend-v3");
    }

    @Test
    void observedGenerationFollowsAnEdit() throws Exception {
        c.awaitBackend(same, "generation.example", "/", Map.of(), "infra-backend-v1");
        JsonNode before = c.resource("HTTPRoute", INFRA, "observed-generation-bump");
        long gen = before.path("metadata").path("generation").asLong();
        JsonNode accepted = c.routeCondition("HTTPRoute", INFRA, "observed-generation-bump", "same-namespace", "Accepted");
        assertThat(accepted.path("observedGeneration").asLong()).as(accepted.toString()).isEqualTo(gen);
        java.nio.file.Path file = c.fileOf("observed-generation-bump");
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file).replace("infra-backend-v1", "infra-backend-v2"));
        c.awaitBackend(same, "generation.example", "/", Map.of(), "infra-backend-v2");
        c.mesh.await("observedGeneration > " + gen, java.time.Duration.ofSeconds(20), () -> {
            JsonNode r = c.resource("HTTPRoute", INFRA, "observed-generation-bump");
            long now = r.path("metadata").path("generation").asLong();
            JsonNode cond = c.routeCondition("HTTPRoute", INFRA, "observed-generation-bump", "same-namespace", "Accepted");
            return now > gen && cond != null && cond.path("observedGeneration").asLong() == now;
        });
    }

    @Test
    void matchingAcrossRoutes() {
        c.awaitBackend(same, "across.example.com", "/", Map.of(), "infra-backend-v1");
        expect(same, "across.example.com", "/", Map.of(), "infra-backend-v1");
        expect(same, "across.example.net", "/", Map.of(), "infra-backend-v1");
        expect(same, "across.example.com", "/example", Map.of(), "infra-backend-v1");
        expect(same, "across.example.com", "/", Map.of("Version", "one"), "infra-backend-v1");
        expect(same, "across.example.com", "/v2", Map.of(), "infra-backend-v2");
        expect(same, "across.example.com", "/v2/example", Map.of(), "infra-backend-v2");
        expect(same, "across.example.com", "/", Map.of("Version", "two"), "infra-backend-v2");
        expect(same, "across.example.net", "/v2", Map.of(), "infra-backend-v1");
        expect(same, "across.example.net", "/", Map.of("Version", "two"), "infra-backend-v1");
    }

    static JsonNode listener(JsonNode gateway, String name) {
        for (JsonNode l : gateway.path("status").path("listeners")) {
            if (l.path("name").asText().equals(name)) return l;
        }
        return Mesh.JSON.missingNode();
    }

    @Test
    void listenersReportAttachedRoutesAndSupportedKinds() {
        c.mesh.await("attachedRoutes of http-listener-isolation", java.time.Duration.ofSeconds(20), () -> {
            JsonNode gw = c.resource("Gateway", INFRA, "http-listener-isolation");
            for (String l : new String[] {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com", "abc-foo-example-com"}) {
                if (listener(gw, l).path("attachedRoutes").asInt(-1) != 1) return false;
            }
            JsonNode kinds = listener(gw, "empty-hostname").path("supportedKinds");
            boolean http = false;
            for (JsonNode k : kinds) http |= k.path("kind").asText().equals("HTTPRoute");
            return http;
        });
    }

    @Test
    void invalidRouteKindIsInvalidRouteKinds() {
        c.mesh.await("InvalidRouteKinds on both listeners", java.time.Duration.ofSeconds(20), () -> {
            for (String g : new String[] {"gateway-only-invalid-route-kind", "gateway-supported-and-invalid-route-kind"}) {
                JsonNode l = listener(c.resource("Gateway", INFRA, g), "http");
                boolean found = false;
                for (JsonNode cond : l.path("conditions")) {
                    found |= cond.path("type").asText().equals("ResolvedRefs") && cond.path("status").asText().equals("False")
                            && cond.path("reason").asText().equals("InvalidRouteKinds");
                }
                if (!found) return false;
            }
            JsonNode kinds = listener(c.resource("Gateway", INFRA, "gateway-supported-and-invalid-route-kind"), "http")
                    .path("supportedKinds");
            return kinds.size() == 1 && kinds.get(0).path("kind").asText().equals("HTTPRoute")
                    && listener(c.resource("Gateway", INFRA, "gateway-only-invalid-route-kind"), "http")
                            .path("supportedKinds").isEmpty();
        });
    }

    static boolean hasCondition(JsonNode conditions, String type, String status, String reason) {
        for (JsonNode cond : conditions) {
            if (cond.path("type").asText().equals(type) && cond.path("status").asText().equals(status)
                    && cond.path("reason").asText().equals(reason)) return true;
        }
        return false;
    }

    @Test
    void unsupportedListenerProtocolIsUnsupportedProtocol() {
        c.mesh.await("UnsupportedProtocol / ListenersNotValid", java.time.Duration.ofSeconds(20), () -> {
            JsonNode only = c.resource("Gateway", INFRA, "gateway-only-unsupported-protocols");
            JsonNode mixed = c.resource("Gateway", INFRA, "gateway-supported-and-unsupported-protocols");
            return hasCondition(only.path("status").path("conditions"), "Accepted", "False", "ListenersNotValid")
                    && hasCondition(listener(only, "invalid").path("conditions"), "Accepted", "False", "UnsupportedProtocol")
                    && hasCondition(mixed.path("status").path("conditions"), "Accepted", "True", "ListenersNotValid")
                    && hasCondition(listener(mixed, "invalid").path("conditions"), "Accepted", "False", "UnsupportedProtocol")
                    && hasCondition(listener(mixed, "http").path("conditions"), "Accepted", "True", "Accepted");
        });
    }

    @Test
    void httpListenerIsolation() {
        listenerIsolation(c.port("PORT4"));
    }

    @Test
    void httpListenerIsolationWithHostnameIntersection() {
        for (String l : new String[] {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com", "abc-foo-example-com"}) {
            String route = "attaches-to-" + l + "-with-hostname-intersection";
            c.awaitRouteCondition("HTTPRoute", INFRA, route, "http-listener-isolation-with-hostname-intersection", "Accepted", "True", "Accepted");
            c.awaitRouteCondition("HTTPRoute", INFRA, route, "http-listener-isolation-with-hostname-intersection",
                    "ResolvedRefs", "True", "ResolvedRefs");
        }
        listenerIsolation(c.port("PORT9"));
    }

    /** gateway-http-listener-isolation's requests: each host reaches only its most specific listener's route. */
    private static void listenerIsolation(int port) {
        String[] paths = {"/empty-hostname", "/wildcard-example-com", "/wildcard-foo-example-com", "/abc-foo-example-com"};
        String[][] cases = {
            {"bar.com", "/empty-hostname"},
            {"bar.example.com", "/wildcard-example-com"},
            {"bar.foo.example.com", "/wildcard-foo-example-com"},
            {"abc.foo.example.com", "/abc-foo-example-com"},
        };
        c.awaitBackend(port, "abc.foo.example.com", "/abc-foo-example-com", Map.of(), "infra-backend-v1");
        for (String[] k : cases) {
            for (String p : paths) {
                expectStatus(port, k[0], p, Map.of(), p.equals(k[1]) ? 200 : 404);
            }
        }
    }

    @Test
    void listenerHostnameMatchingAndIsolation() {
        c.awaitBackend(listenerHosts, "bar.com", "/", Map.of(), "infra-backend-v1");
        expect(listenerHosts, "bar.com", "/", Map.of(), "infra-backend-v1");
        expect(listenerHosts, "foo.bar.com", "/", Map.of(), "infra-backend-v2");
        expect(listenerHosts, "baz.bar.com", "/", Map.of(), "infra-backend-v3");
        expect(listenerHosts, "boo.bar.com", "/", Map.of(), "infra-backend-v3");
        expect(listenerHosts, "multiple.prefixes.bar.com", "/", Map.of(), "infra-backend-v3");
        expect(listenerHosts, "multiple.prefixes.foo.com", "/", Map.of(), "infra-backend-v3");
        expectStatus(listenerHosts, "foo.com", "/", Map.of(), 404);
        expectStatus(listenerHosts, "no.matching.host", "/", Map.of(), 404);
    }
}
