package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceLoaderTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("routes.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    @Test
    void loadsEveryKindWithDefaults() {
        String yaml = """
                apiVersion: v1
                kind: Service
                metadata: {name: reviews}
                spec:
                  selector: {app: reviews}
                  ports: [{name: http, port: 9080, targetPort: http, appProtocol: kubernetes.io/h2c}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: reviews-v1, labels: {app: reviews}}
                spec:
                  ports: [{name: http, port: 19081}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: lattice}
                spec: {controllerName: lattice.dev/gateway-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: infra}
                spec:
                  gatewayClassName: lattice
                  listeners: [{name: http, port: 8080, protocol: HTTP, hostname: "*.example.com"}]
                ---
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw, namespace: infra}]
                  rules:
                  - backendRefs: [{name: reviews, port: 9080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: g, namespace: other}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
                  to: [{group: "", kind: Service}]
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: infra, labels: {shared: "true"}}
                """;
        ResourceLoader.LoadedFile f = ResourceLoader.load("all.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        List<MeshObject> objs = Models.readAll(f.validResources());
        assertThat(objs).hasSize(7);
        Service svc = (Service) objs.get(0);
        assertThat(svc.meta().namespace()).isEqualTo("default");
        assertThat(svc.ports().get(0).targetPortName()).isEqualTo("http");
        assertThat(svc.ports().get(0).h2c()).isTrue();
        Workload w = (Workload) objs.get(1);
        assertThat(w.address()).isEqualTo("127.0.0.1");
        assertThat(w.serviceAccount()).isEqualTo("default");
        assertThat(w.sidecar()).isEqualTo(new Workload.Sidecar(true, null, null));
        assertThat(((GatewayClass) objs.get(2)).isLattice()).isTrue();
        assertThat(objs.get(2).key()).isEqualTo(new ResourceKey("GatewayClass", "", "lattice"));
        Gateway gw = (Gateway) objs.get(3);
        assertThat(gw.listeners().get(0).allowedRoutes().from()).isEqualTo("Same");
        assertThat(gw.listeners().get(0).hostname()).isEqualTo("*.example.com");
        HttpRoute r = (HttpRoute) objs.get(4);
        assertThat(r.parentRefs().get(0)).isEqualTo(new HttpRoute.ParentRef(HttpRoute.GROUP, "Gateway", "infra", "gw", null, null));
        assertThat(r.rules().get(0).matches()).containsExactly(
                new HttpRoute.Match(new HttpRoute.PathMatch("PathPrefix", "/"), List.of(), List.of(), null));
        assertThat(r.rules().get(0).backendRefs()).containsExactly(new HttpRoute.BackendRef("", "Service", "reviews", null, 9080, 1));
        ReferenceGrant g = (ReferenceGrant) objs.get(5);
        assertThat(g.permits(HttpRoute.GROUP, "HTTPRoute", "default", "", "Service", "any")).isTrue();
        assertThat(g.permits(HttpRoute.GROUP, "HTTPRoute", "third", "", "Service", "any")).isFalse();
        assertThat(((Namespace) objs.get(6)).meta().labels()).containsEntry("shared", "true");
        assertThat(f.objects().get(4).resource().source()).isEqualTo(new Source("all.yaml", 26));
    }

    @Test
    void backendPortRequiredNamesFileLineObjectAndField() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: reviews
                spec:
                  parentRefs:
                  - name: bookstore
                  rules:
                  - matches:
                    - path: {type: PathPrefix, value: /reviews}
                    backendRefs:
                    - name: reviews-v1
                      port: 9080
                    - name: reviews-v2
                      weight: 10
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:14: HTTPRoute default/reviews: spec.rules[0].backendRefs[1].port: required when kind is Service");
    }

    @Test
    void badValuesNameTheirLineAndWhatIsValid() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: shop}
                spec:
                  hostnames: ["foo.example.com", "10.0.0.1"]
                  rules:
                  - matches:
                    - path: {type: Prefix, value: /x}
                    - path: {value: "nope"}
                      method: FETCH
                      headers: [{name: x-a, type: RegularExpression, value: "(("}]
                    backendRefs:
                    - {name: svc, port: 70000, weight: -1}
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:5: HTTPRoute shop/r: spec.hostnames[1]: must be a DNS name, not an IP address: \"10.0.0.1\"",
                "routes.yaml:8: HTTPRoute shop/r: spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression, not \"Prefix\"",
                "routes.yaml:9: HTTPRoute shop/r: spec.rules[0].matches[1].path.value: must start with \"/\", not \"nope\"",
                "routes.yaml:11: HTTPRoute shop/r: spec.rules[0].matches[1].headers[0].value: invalid regular expression: Unclosed group",
                "routes.yaml:10: HTTPRoute shop/r: spec.rules[0].matches[1].method: must be one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, not \"FETCH\"",
                "routes.yaml:13: HTTPRoute shop/r: spec.rules[0].backendRefs[0].port: must be between 1 and 65535, not 70000",
                "routes.yaml:13: HTTPRoute shop/r: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000, not -1");
    }

    @Test
    void serviceAndWorkloadValidation() {
        String yaml = """
                apiVersion: v1
                kind: Service
                metadata: {name: s}
                spec:
                  ports:
                  - {port: 80, targetPort: "8080"}
                  - {port: 81, targetPort: Bad_Name}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: w}
                spec:
                  address: localhost
                  ports: [{name: http, port: 1}, {name: http, port: 1}]
                  sidecar: {inject: "no", outboundPort: 0}
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:6: Service default/s: spec.ports[0].name: required when a Service has more than one port",
                "routes.yaml:6: Service default/s: spec.ports[0].targetPort: a port number must not be quoted: write 8080",
                "routes.yaml:7: Service default/s: spec.ports[1].name: required when a Service has more than one port",
                "routes.yaml:7: Service default/s: spec.ports[1].targetPort: must be a port number or a Workload port name, not \"Bad_Name\"",
                "routes.yaml:13: Workload default/w: spec.address: must be an IP address such as 127.0.0.1, not \"localhost\"",
                "routes.yaml:14: Workload default/w: spec.ports[1].name: duplicate port name \"http\"",
                "routes.yaml:14: Workload default/w: spec.ports[1].port: duplicate port 1",
                "routes.yaml:15: Workload default/w: spec.sidecar.inject: must be true or false, not \"no\"",
                "routes.yaml:15: Workload default/w: spec.sidecar.outboundPort: must be between 1 and 65535, not 0");
    }

    @Test
    void gatewayAndClassAndGrantValidation() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: c}
                spec: {}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: g}
                spec:
                  gatewayClassName: c
                  listeners:
                  - name: a
                    port: 80
                    protocol: HTTP
                    hostname: "foo.*"
                    allowedRoutes:
                      namespaces: {from: Selector}
                  - {name: a, port: 81, protocol: HTTP}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ReferenceGrant
                metadata: {name: rg}
                spec:
                  from: [{kind: HTTPRoute, namespace: x}]
                  to: []
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:4: GatewayClass c: spec.controllerName: required",
                "routes.yaml:15: Gateway default/g: spec.listeners[0].hostname: must be a lowercase DNS name, optionally starting with \"*.\", not \"foo.*\"",
                "routes.yaml:17: Gateway default/g: spec.listeners[0].allowedRoutes.namespaces.selector: required when from is Selector",
                "routes.yaml:18: Gateway default/g: spec.listeners[1].name: duplicate listener name \"a\"",
                "routes.yaml:24: ReferenceGrant default/rg: spec.from[0].group: required (\"\" for the core group)",
                "routes.yaml:25: ReferenceGrant default/rg: spec.to: required: at least one entry");
    }

    @Test
    void unknownKindsAndNonObjectsAreReportedAndSkipped() {
        String yaml = """
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w}
                ---
                - just a list
                ---
                apiVersion: v1
                kind: Service
                metadata: {namespace: x}
                spec: {ports: [{port: 80}]}
                """;
        ResourceLoader.LoadedFile f = ResourceLoader.load("a.yaml", yaml);
        assertThat(f.objects()).isEmpty();
        assertThat(f.problems()).extracting(Problem::toString).containsExactly(
                "a.yaml:1: Widget default/w: unknown kind example.com/v1/Widget, skipped (Lattice reads " + Models.KNOWN + ")",
                "a.yaml:5: a document must be a Kubernetes object (a map with apiVersion, kind and metadata)",
                "a.yaml:9: Service x/: metadata.name: required");
    }

    @Test
    void regexMustBeRe2AndAddressNotAWildcard() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - matches:
                    - path: {type: RegularExpression, value: "/a(?=b)"}
                      queryParams: [{name: q, type: RegularExpression, value: "(x)\\\\1"}]
                      headers: [{name: h, type: RegularExpression, value: "a++|[a-z]+/v[0-9]{1,3}"}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: w}
                spec: {address: 0.0.0.0}
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: not RE2 syntax: lookaround, backreferences, atomic groups and possessive quantifiers are not supported",
                "routes.yaml:9: HTTPRoute default/r: spec.rules[0].matches[0].headers[0].value: not RE2 syntax: lookaround, backreferences, atomic groups and possessive quantifiers are not supported",
                "routes.yaml:8: HTTPRoute default/r: spec.rules[0].matches[0].queryParams[0].value: not RE2 syntax: lookaround, backreferences, atomic groups and possessive quantifiers are not supported",
                "routes.yaml:14: Workload default/w: spec.address: must be the address the app is reached at, such as 127.0.0.1, not the wildcard 0.0.0.0");
    }

    @Test
    void unknownFieldsAreProblemsAsWithStrictValidation() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  parentRef: [{name: gw}]
                  rules:
                  - backendRef: [{name: svc, port: 80}]
                    matches: [{path: {type: Exact, value: "/a?b"}, header: []}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: w}
                spec:
                  sidecar: {injected: false}
                """;
        assertThat(problems(yaml)).containsExactly(
                "routes.yaml:5: HTTPRoute default/r: spec.parentRef: unknown field \"parentRef\" (known here: parentRefs, hostnames, rules)",
                "routes.yaml:7: HTTPRoute default/r: spec.rules[0].backendRef: unknown field \"backendRef\" (known here: name, matches, filters, backendRefs, timeouts, retry, sessionPersistence)",
                "routes.yaml:8: HTTPRoute default/r: spec.rules[0].matches[0].header: unknown field \"header\" (known here: path, headers, queryParams, method)",
                "routes.yaml:8: HTTPRoute default/r: spec.rules[0].matches[0].path.value: must not contain \"?\": match query parameters with queryParams",
                "routes.yaml:14: Workload default/w: spec.sidecar.injected: unknown field \"injected\" (known here: inject, outboundPort, adminPort)");
    }

    @Test
    void syntaxErrorNamesFileAndLine() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: [x\n");
        assertThat(f.syntaxError()).isTrue();
        assertThat(f.objects()).isEmpty();
        assertThat(f.problems()).hasSize(1);
        assertThat(f.problems().get(0).toString()).startsWith("bad.yaml:").contains("invalid YAML");
        assertThat(f.problems().get(0).line()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void linesOfFieldsForTranslationProblems() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - backendRefs:
                    - name: a
                      port: 1
                """;
        Resource r = ResourceLoader.load("f.yaml", yaml).objects().get(0).resource();
        assertThat(Lines.lineOf(r, "spec.rules[0].backendRefs[0].port")).isEqualTo(8);
        assertThat(Lines.lineOf(r, "spec.rules[0].backendRefs[0]")).isEqualTo(7);
        assertThat(Lines.lineOf(r, "spec.rules[0].backendRefs[0].namespace")).isEqualTo(7);
        assertThat(Lines.lineOf(r, "spec.rules[3]")).isEqualTo(5);
        assertThat(Lines.problem(r, "spec.rules[0].backendRefs[0]", "Service default/a not found").toString())
                .isEqualTo("f.yaml:7: HTTPRoute default/r: spec.rules[0].backendRefs[0]: Service default/a not found");
    }

    @Test
    void hostnameIntersection() {
        assertThat(Hostnames.intersect(null, "a.example.com")).isEqualTo("a.example.com");
        assertThat(Hostnames.intersect("*.example.com", "a.example.com")).isEqualTo("a.example.com");
        assertThat(Hostnames.intersect("*.example.com", "a.b.example.com")).isEqualTo("a.b.example.com");
        assertThat(Hostnames.intersect("a.example.com", "*.example.com")).isEqualTo("a.example.com");
        assertThat(Hostnames.intersect("*.example.com", "*.a.example.com")).isEqualTo("*.a.example.com");
        assertThat(Hostnames.intersect("*.a.example.com", "*.example.com")).isEqualTo("*.a.example.com");
        assertThat(Hostnames.intersect("*.example.com", "example.com")).isNull();
        assertThat(Hostnames.intersect("a.example.com", "b.example.com")).isNull();
        assertThat(Hostnames.intersect("*.example.com", "*.example.org")).isNull();
    }

    @Test
    void labelSelector() {
        LabelSelector s = new LabelSelector(java.util.Map.of("a", "1"),
                List.of(new LabelSelector.Requirement("b", "In", List.of("x", "y")),
                        new LabelSelector.Requirement("c", "DoesNotExist", List.of())));
        assertThat(s.matches(java.util.Map.of("a", "1", "b", "y"))).isTrue();
        assertThat(s.matches(java.util.Map.of("a", "1", "b", "z"))).isFalse();
        assertThat(s.matches(java.util.Map.of("a", "1", "b", "x", "c", ""))).isFalse();
        assertThat(s.matches(java.util.Map.of("b", "x"))).isFalse();
    }
}
