package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ClientTrafficPolicy: its shape (both spellings of the connection limit) and its problems, each naming its field. */
class ClientTrafficPolicyTest {
    private static ClientTrafficPolicy parse(String spec) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("ctp.yaml", HEAD + spec);
        assertThat(f.allProblems()).isEmpty();
        return (ClientTrafficPolicy) Models.read(f.validResources().get(0)).value();
    }

    private static List<String> problems(String spec) {
        return ResourceLoader.load("ctp.yaml", HEAD + spec).allProblems().stream().map(Problem::toString).toList();
    }

    static final String HEAD = """
            apiVersion: lattice.dev/v1alpha1
            kind: ClientTrafficPolicy
            metadata: {name: edge}
            spec:
            """;

    @Test
    void readsEveryFieldAndBothSpellingsOfTheLimit() {
        ClientTrafficPolicy p = parse("""
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}]
                  timeout:
                    http: {requestHeadersTimeout: 2s, idleTimeout: 1m30s}
                  connection: {maxConnections: 100}
                  http2: {maxConcurrentStreams: 10}
                """);
        assertThat(p.targetRefs()).containsExactly(new PolicyTargetRef(PolicyTargetRef.GATEWAY_GROUP, "Gateway", "gw", "http"));
        assertThat(p.requestHeadersTimeoutMillis()).isEqualTo(2_000);
        assertThat(p.idleTimeoutMillis()).isEqualTo(90_000);
        assertThat(p.maxConnections()).isEqualTo(100);
        assertThat(p.maxConcurrentStreams()).isEqualTo(10);
        ClientTrafficPolicy eg = parse("""
                  targetRefs: [{group: "", kind: Service, name: books}]
                  connection: {connectionLimit: {value: 7}}
                """);
        assertThat(eg.maxConnections()).isEqualTo(7);
        assertThat(eg.requestHeadersTimeoutMillis()).isNull();
        assertThat(parse("""
                  targetRefs: [{group: lattice.dev, kind: Workload, name: w}]
                  timeout: {http: {idleTimeout: 0s}}
                """).idleTimeoutMillis()).isZero();
    }

    @Test
    void problemsNameFileLineAndField() {
        assertThat(problems("""
                  targetRefs: [{group: "", kind: Service, name: books, sectionName: http}]
                  timeout:
                    http: {requestHeadersTimeout: 10 seconds, requestReceivedTimeout: 30s}
                  connection: {maxConnections: 0}
                  http2: {maxConcurrentStreams: -1, initialStreamWindowSize: 65536}
                """)).containsExactlyInAnyOrder(
                "ctp.yaml:5: ClientTrafficPolicy default/edge: spec.targetRefs[0].sectionName: only a Gateway target may name a section (a listener)",
                "ctp.yaml:7: ClientTrafficPolicy default/edge: spec.timeout.http.requestHeadersTimeout: must be a Gateway API duration such as \"10s\", \"500ms\" or \"1m30s\" (units h, m, s, ms), not \"10 seconds\"",
                "ctp.yaml:7: ClientTrafficPolicy default/edge: spec.timeout.http.requestReceivedTimeout: not supported: Envoy Gateway's whole-request timeout is not implemented; requestHeadersTimeout bounds the request head",
                "ctp.yaml:8: ClientTrafficPolicy default/edge: spec.connection.maxConnections: must be between 1 and 2147483647, not 0",
                "ctp.yaml:9: ClientTrafficPolicy default/edge: spec.http2.initialStreamWindowSize: unknown field \"initialStreamWindowSize\" (known here: maxConcurrentStreams)",
                "ctp.yaml:9: ClientTrafficPolicy default/edge: spec.http2.maxConcurrentStreams: must be between 1 and 2147483647, not -1");
        assertThat(problems("""
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
                  connection: {maxConnections: 3, connectionLimit: {value: 3}}
                """)).anyMatch(s -> s.contains("spec.targetRefs[0]") && s.contains("HTTPRoute"))
                .contains("ctp.yaml:6: ClientTrafficPolicy default/edge: spec.connection.connectionLimit: set either "
                        + "connection.maxConnections or connection.connectionLimit.value, not both");
        assertThat(problems("""
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
                """)).containsExactly("ctp.yaml:4: ClientTrafficPolicy default/edge: spec: sets nothing: give "
                + "timeout.http.requestHeadersTimeout, timeout.http.idleTimeout, connection.maxConnections or http2.maxConcurrentStreams");
    }
}
