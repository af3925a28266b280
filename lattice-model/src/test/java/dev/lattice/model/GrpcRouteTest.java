package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcRouteTest {
    private static final String HEAD = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: g}
            spec:
              parentRefs: [{name: gw}]
              hostnames: [grpc.example]
              rules:
            """;

    private static ResourceLoader.LoadedFile load(String rules) {
        return ResourceLoader.load("g.yaml", HEAD + rules);
    }

    @Test
    void readsMatchesFiltersAndBackends() {
        ResourceLoader.LoadedFile f = load("""
                  - name: echo
                    matches:
                    - method: {service: grpc.echo.Echo, method: Ping}
                      headers: [{name: x-v, value: "2"}]
                    - method: {type: RegularExpression, method: "Get.*"}
                    filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: x-a, value: b}]}
                    backendRefs: [{name: echo, port: 9000, weight: 2}]
                  - backendRefs: [{name: other, port: 9000}]
                """);
        assertThat(f.allProblems()).isEmpty();
        GrpcRoute g = (GrpcRoute) Models.read(f.validResources().get(0)).value();
        assertThat(g.hostnames()).containsExactly("grpc.example");
        assertThat(g.rules().get(0).name()).isEqualTo("echo");
        assertThat(g.rules().get(0).matches()).containsExactly(
                new GrpcRoute.Match(new GrpcRoute.MethodMatch("Exact", "grpc.echo.Echo", "Ping"),
                        List.of(new HttpRoute.ValueMatch("Exact", "x-v", "2"))),
                new GrpcRoute.Match(new GrpcRoute.MethodMatch("RegularExpression", null, "Get.*"), List.of()));
        assertThat(g.rules().get(0).filters()).containsExactly(new HttpFilters.HeaderModifier(false,
                List.of(new HttpFilters.Header("x-a", "b")), List.of(), List.of()));
        assertThat(g.rules().get(0).backendRefs()).containsExactly(new HttpRoute.BackendRef("", "Service", "echo", null, 9000, 2));
        assertThat(g.rules().get(1).matches()).containsExactly(new GrpcRoute.Match(null, List.of()));
    }

    @Test
    void problemsNameFileLineAndField() {
        List<String> problems = load("""
                  - matches:
                    - method: {}
                    - method: {service: "a/b", method: "Get-It"}
                    - method: {type: RegularExpression, service: "(?=x)"}
                    filters:
                    - type: URLRewrite
                      urlRewrite: {hostname: x.example}
                """).allProblems().stream().map(Problem::toString).toList();
        assertThat(problems).containsExactlyInAnyOrder(
                "g.yaml:9: GRPCRoute default/g: spec.rules[0].matches[0].method: one or both of service and method must be set",
                "g.yaml:10: GRPCRoute default/g: spec.rules[0].matches[1].method.service: must be a gRPC service name "
                        + "(dot-separated identifiers such as grpc.health.v1.Health), not \"a/b\"",
                "g.yaml:10: GRPCRoute default/g: spec.rules[0].matches[1].method.method: must be a gRPC method name "
                        + "(letters, digits and \"_\"), not \"Get-It\"",
                "g.yaml:11: GRPCRoute default/g: spec.rules[0].matches[2].method.service: not RE2 syntax: lookaround, "
                        + "backreferences, atomic groups and possessive quantifiers are not supported",
                "g.yaml:13: GRPCRoute default/g: spec.rules[0].filters[0].type: URLRewrite is not a GRPCRoute filter "
                        + "(GRPCRoute has RequestHeaderModifier, ResponseHeaderModifier, RequestMirror and ExtensionRef)");
    }
}
