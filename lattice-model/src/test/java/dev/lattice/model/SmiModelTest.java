package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SMI access control kinds (TrafficTarget, HTTPRouteGroup, TCPRoute), each validated on its own. */
class SmiModelTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("smi.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static List<MeshObject> all(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("smi.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return f.validResources().stream().map(r -> {
            Models.Parsed p = Models.read(r);
            assertThat(p.problems()).isEmpty();
            return p.value();
        }).toList();
    }

    @Test
    void readsTheSpecsShapesAndDefaults() {
        List<MeshObject> o = all("""
                apiVersion: specs.smi-spec.io/v1alpha4
                kind: HTTPRouteGroup
                metadata: {name: routes, namespace: shop}
                spec:
                  matches:
                  - name: metrics
                    pathRegex: /metrics
                    methods: [GET]
                  - name: everything
                    pathRegex: ".*"
                    methods: ["*"]
                  - name: insiders
                    headers: {user-agent: ".*Android.*", cookie: "^(.*?;)?(type=insider)(;.*)?$"}
                  - name: listed
                    headers: [{x-a: "1"}, {x-b: "2"}]
                ---
                apiVersion: specs.smi-spec.io/v1alpha4
                kind: TCPRoute
                metadata: {name: routes, namespace: shop}
                spec: {matches: {ports: [8080, 9090]}}
                ---
                apiVersion: access.smi-spec.io/v1alpha3
                kind: TrafficTarget
                metadata: {name: tt, namespace: shop}
                spec:
                  destination: {kind: ServiceAccount, name: api, namespace: shop}
                  rules:
                  - {kind: TCPRoute, name: routes}
                  - {kind: HTTPRouteGroup, name: routes, matches: [metrics]}
                  sources:
                  - {kind: ServiceAccount, name: prometheus, namespace: monitoring}
                  - {kind: ServiceAccount, name: web}
                ---
                apiVersion: access.smi-spec.io/v1alpha2
                kind: TrafficTarget
                metadata: {name: old, namespace: shop}
                spec:
                  destination: {kind: ServiceAccount, name: api, namespace: shop, port: 8080}
                  rules: [{kind: HTTPRouteGroup, name: routes}]
                  sources: [{kind: ServiceAccount, name: web}]
                """);
        HttpRouteGroup g = (HttpRouteGroup) o.get(0);
        assertThat(g.match("metrics")).isEqualTo(new HttpRouteGroup.Match("metrics", "/metrics", List.of("GET"), Map.of()));
        assertThat(g.match("everything").methods()).isEmpty();
        assertThat(g.match("insiders").pathRegex()).isNull();
        assertThat(g.match("insiders").headers()).containsOnlyKeys("user-agent", "cookie");
        assertThat(g.match("listed").headers()).isEqualTo(Map.of("x-a", "1", "x-b", "2"));
        SmiTcpRoute t = (SmiTcpRoute) o.get(1);
        assertThat(t.ports()).containsExactly(8080, 9090);
        // same name as a Gateway API TCPRoute would have, but never the same key
        assertThat(t.key()).isEqualTo(new ResourceKey("TCPRoute.specs.smi-spec.io", "shop", "routes"));
        TrafficTarget tt = (TrafficTarget) o.get(2);
        assertThat(tt.destination()).isEqualTo(new TrafficTarget.Subject("api", "shop"));
        assertThat(tt.destinationPort()).isNull();
        assertThat(tt.rules()).containsExactly(new TrafficTarget.RuleRef("TCPRoute", "routes", List.of()),
                new TrafficTarget.RuleRef("HTTPRouteGroup", "routes", List.of("metrics")));
        assertThat(tt.sources()).containsExactly(new TrafficTarget.Subject("prometheus", "monitoring"),
                new TrafficTarget.Subject("web", "shop"));
        assertThat(((TrafficTarget) o.get(3)).destinationPort()).isEqualTo(8080);
    }

    @Test
    void anSmiTcpRouteAndAGatewayTcpRouteOfTheSameNameAreTwoObjects() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("smi.yaml", """
                apiVersion: specs.smi-spec.io/v1alpha4
                kind: TCPRoute
                metadata: {name: db}
                spec: {matches: {ports: [5432]}}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: db}
                spec:
                  parentRefs: [{name: gw}]
                  rules: [{backendRefs: [{name: db, port: 5432}]}]
                """);
        assertThat(f.allProblems()).isEmpty();
        assertThat(f.validResources()).extracting(r -> r.key().toString())
                .containsExactly("TCPRoute.specs.smi-spec.io default/db", "TCPRoute default/db");
    }

    @Test
    void problemsNameTheirField() {
        assertThat(problems("""
                apiVersion: access.smi-spec.io/v1alpha3
                kind: TrafficTarget
                metadata: {name: bad, namespace: shop}
                spec:
                  destination: {kind: Deployment, name: api, namespace: other, port: 80}
                  rules:
                  - {kind: UDPRoute, name: u}
                  - {kind: TCPRoute, name: t, matches: [x]}
                  sources: []
                ---
                apiVersion: specs.smi-spec.io/v1alpha4
                kind: HTTPRouteGroup
                metadata: {name: bad, namespace: shop}
                spec:
                  matches:
                  - name: a
                    pathRegex: "(["
                    methods: ["GE T"]
                  - name: a
                    headers: {"bad header": x, ok: "*oops"}
                ---
                apiVersion: specs.smi-spec.io/v1alpha4
                kind: TCPRoute
                metadata: {name: bad, namespace: shop}
                spec: {matches: {ports: [0, http]}}
                """)).containsExactly(
                "smi.yaml:5: TrafficTarget shop/bad: spec.destination.port: unknown field \"port\" (known here: kind, name, namespace)",
                "smi.yaml:5: TrafficTarget shop/bad: spec.destination.kind: must be ServiceAccount, not \"Deployment\"",
                "smi.yaml:5: TrafficTarget shop/bad: spec.destination.namespace: must be the TrafficTarget's own namespace shop, not other",
                "smi.yaml:7: TrafficTarget shop/bad: spec.rules[0].kind: must be HTTPRouteGroup or TCPRoute, not \"UDPRoute\"",
                "smi.yaml:8: TrafficTarget shop/bad: spec.rules[1].matches: only an HTTPRouteGroup rule names matches",
                "smi.yaml:9: TrafficTarget shop/bad: spec.sources: must have at least one source",
                "smi.yaml:17: HTTPRouteGroup shop/bad: spec.matches[0].pathRegex: not a regular expression: Unclosed character class",
                "smi.yaml:18: HTTPRouteGroup shop/bad: spec.matches[0].methods: \"GE T\" is not an HTTP method",
                "smi.yaml:19: HTTPRouteGroup shop/bad: spec.matches[1].name: must be unique in the group, not a",
                "smi.yaml:20: HTTPRouteGroup shop/bad: spec.matches[1].headers.bad header: \"bad header\" is not a header name",
                "smi.yaml:20: HTTPRouteGroup shop/bad: spec.matches[1].headers.ok: not a regular expression: Dangling meta character '*'",
                "smi.yaml:25: TCPRoute.specs.smi-spec.io shop/bad: spec.matches.ports[0]: must be between 1 and 65535, not 0",
                "smi.yaml:25: TCPRoute.specs.smi-spec.io shop/bad: spec.matches.ports[1]: must be an integer, not \"http\"");
    }
}
