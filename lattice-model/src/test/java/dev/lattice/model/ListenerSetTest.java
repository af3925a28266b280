package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerSetTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("ls.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    @Test
    void listenerSetAndGatewayAllowedListeners() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("ls.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: infra}
                spec:
                  gatewayClassName: lattice
                  allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {team: "true"}}}}
                  listeners: [{name: http, port: 80, protocol: HTTP}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ListenerSet
                metadata: {name: ls, namespace: team}
                spec:
                  parentRef: {name: gw, namespace: infra}
                  listeners:
                  - {name: web, port: 80, protocol: HTTP, hostname: web.example.com, allowedRoutes: {namespaces: {from: All}}}
                """);
        assertThat(f.allProblems()).isEmpty();
        Gateway g = (Gateway) Models.read(f.validResources().get(0)).value();
        assertThat(g.allowedListeners().from()).isEqualTo("Selector");
        assertThat(g.allowedListeners().selector().matches(java.util.Map.of("team", "true"))).isTrue();
        ListenerSet s = (ListenerSet) Models.read(f.validResources().get(1)).value();
        assertThat(s.parentRef()).isEqualTo(new ListenerSet.ParentGateway("infra", "gw"));
        assertThat(s.listeners()).extracting(Gateway.Listener::hostname).containsExactly("web.example.com");
        assertThat(s.listeners().get(0).allowedRoutes().from()).isEqualTo("All");
    }

    @Test
    void gatewayAllowsNoListenerSetByDefault() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("ls.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  listeners: [{name: http, port: 80, protocol: HTTP}]
                """);
        Gateway g = (Gateway) Models.read(f.validResources().get(0)).value();
        assertThat(g.allowedListeners()).isEqualTo(Gateway.AllowedListeners.NONE);
    }

    @Test
    void problemsNameTheirLine() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: ListenerSet
                metadata: {name: ls}
                spec:
                  parentRef: {kind: Service, group: "", name: gw}
                  listeners:
                  - {name: a, port: 80, protocol: HTTP}
                  - {name: a, port: 81, protocol: TCP, hostname: a.example.com}
                """)).containsExactly(
                "ls.yaml:5: ListenerSet default/ls: spec.parentRef.kind: a ListenerSet's parent is a gateway.networking.k8s.io Gateway, not Service",
                "ls.yaml:8: ListenerSet default/ls: spec.listeners[1].name: duplicate listener name \"a\"",
                "ls.yaml:8: ListenerSet default/ls: spec.listeners[1].hostname: must not be set for protocol TCP");
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  allowedListeners: {namespaces: {from: Some}}
                  listeners: [{name: http, port: 80, protocol: HTTP}]
                """)).hasSize(1).first().asString().startsWith("ls.yaml:6: Gateway default/gw: spec.allowedListeners.namespaces.from:");
    }
}
