package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TcpRouteTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("tcp.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    @Test
    void tcpRouteWithParentPortSectionAndWeights() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("tcp.yaml", """
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: r, namespace: infra}
                spec:
                  parentRefs: [{name: gw, sectionName: tcp, port: 9300}]
                  rules:
                  - backendRefs: [{name: a, port: 3000, weight: 70}, {name: b, namespace: web, port: 3000, weight: 0}]
                """);
        assertThat(f.allProblems()).isEmpty();
        TcpRoute r = (TcpRoute) Models.read(f.validResources().get(0)).value();
        assertThat(r.kind()).isEqualTo("TCPRoute");
        assertThat(r.parentRefs().get(0).isGateway()).isTrue();
        assertThat(r.parentRefs().get(0).sectionName()).isEqualTo("tcp");
        assertThat(r.parentRefs().get(0).port()).isEqualTo(9300);
        assertThat(r.rules().get(0).backendRefs()).extracting(HttpRoute.BackendRef::weight).containsExactly(70, 0);
        assertThat(r.rules().get(0).backendRefs().get(1).namespace()).isEqualTo("web");
    }

    @Test
    void tcpRouteProblemsNameTheirLine() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: TCPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [a.example.com]
                  rules:
                  - backendRefs: [{name: a}]
                """)).containsExactly(
                "tcp.yaml:6: TCPRoute default/r: spec.hostnames: unknown field \"hostnames\" (known here: parentRefs, rules)",
                "tcp.yaml:8: TCPRoute default/r: spec.rules[0].backendRefs[0].port: required when kind is Service");
    }

    @Test
    void v1AllowsOneRuleWithUniqueNames() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: TCPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                  - {name: a, backendRefs: [{name: a, port: 1}]}
                  - {name: a, backendRefs: [{name: b, port: 2}]}
                """)).containsExactly(
                "tcp.yaml:6: TCPRoute default/r: spec.rules: at most 1 rule in gateway.networking.k8s.io/v1 (v1alpha2 allows 16)",
                "tcp.yaml:8: TCPRoute default/r: spec.rules[1].name: must be unique in the route, not a");
    }
}
