package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsModelTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("tls.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static MeshObject only(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("tls.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return Models.read(f.validResources().get(0)).value();
    }

    @Test
    void tlsSecretFromDataAndStringData() {
        Secret s = (Secret) only("""
                apiVersion: v1
                kind: Secret
                metadata: {name: cert, namespace: infra}
                type: kubernetes.io/tls
                data:
                  tls.crt: aGVsbG8=
                stringData:
                  tls.key: "plain key"
                """);
        assertThat(s.type()).isEqualTo(Secret.TLS);
        assertThat(s.text(Secret.TLS_CRT)).isEqualTo("hello");
        assertThat(s.text(Secret.TLS_KEY)).isEqualTo("plain key");
        assertThat(s.sizes()).containsEntry("tls.crt", 5).containsEntry("tls.key", 9);
        assertThat(s.toString()).doesNotContain("hello").doesNotContain("plain key");
        assertThat(s.meta().namespace()).isEqualTo("infra");
    }

    @Test
    void badBase64AndMissingKeysNameTheirLines() {
        assertThat(problems("""
                apiVersion: v1
                kind: Secret
                metadata: {name: cert}
                type: kubernetes.io/tls
                data:
                  tls.crt: "not base64!"
                  tls.key: abc
                """)).containsExactly(
                "tls.yaml:6: Secret default/cert: data.tls.crt: must be base64 (as on Kubernetes; write plain text under stringData): illegal character",
                "tls.yaml:7: Secret default/cert: data.tls.key: must be base64 (as on Kubernetes; write plain text under stringData): length 3 is not a multiple of 4");
        assertThat(problems("""
                apiVersion: v1
                kind: Secret
                metadata: {name: cert}
                type: kubernetes.io/tls
                stringData: {tls.crt: x}
                """)).containsExactly(
                "tls.yaml:1: Secret default/cert: data: a kubernetes.io/tls Secret needs the key tls.key (in data or stringData)");
    }

    @Test
    void opaqueSecretNeedsNoTlsKeys() {
        Secret s = (Secret) only("""
                apiVersion: v1
                kind: Secret
                metadata: {name: s}
                data: {password: "c2VjcmV0"}
                """);
        assertThat(s.type()).isEqualTo("Opaque");
        assertThat(new String(s.data().get("password"), StandardCharsets.UTF_8)).isEqualTo("secret");
    }

    @Test
    void gatewayListenerTls() {
        Gateway g = (Gateway) only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: https
                    port: 8443
                    protocol: HTTPS
                    hostname: foo.example.com
                    tls:
                      certificateRefs: [{name: foo-cert, namespace: certs}]
                  - name: tls
                    port: 9443
                    protocol: TLS
                    tls: {mode: Passthrough}
                """);
        Gateway.Tls t = g.listeners().get(0).tls();
        assertThat(t.mode()).isEqualTo("Terminate");
        assertThat(t.certificateRefs()).containsExactly(new Gateway.CertificateRef("", "Secret", "foo-cert", "certs"));
        assertThat(t.certificateRefs().get(0).isSecret()).isTrue();
        assertThat(g.listeners().get(1).tls().mode()).isEqualTo("Passthrough");
    }

    @Test
    void gatewayTlsRulesOfTheCrd() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: a, port: 8443, protocol: HTTPS}
                  - {name: b, port: 8080, protocol: HTTP, tls: {mode: Terminate, certificateRefs: [{name: c}]}}
                  - {name: c, port: 8444, protocol: HTTPS, tls: {mode: Terminate}}
                  - {name: d, port: 8445, protocol: HTTPS, tls: {mode: Sideways, certificateRefs: [{name: c}]}}
                """)).containsExactly(
                "tls.yaml:7: Gateway default/gw: spec.listeners[0].tls: required for protocol HTTPS",
                "tls.yaml:8: Gateway default/gw: spec.listeners[1].tls: must not be set for protocol HTTP",
                "tls.yaml:9: Gateway default/gw: spec.listeners[2].tls.certificateRefs: required (at least one) when mode is Terminate",
                "tls.yaml:10: Gateway default/gw: spec.listeners[3].tls.mode: must be one of Terminate, Passthrough, not \"Sideways\"");
    }

    @Test
    void tlsRouteWithWeights() {
        TlsRoute r = (TlsRoute) only("""
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw, sectionName: tls}]
                  hostnames: [abc.example.com]
                  rules:
                  - backendRefs: [{name: a, port: 443, weight: 3}, {name: b, port: 443}]
                """);
        assertThat(r.parentRefs().get(0).isGateway()).isTrue();
        assertThat(r.hostnames()).containsExactly("abc.example.com");
        assertThat(r.rules().get(0).backendRefs()).extracting(HttpRoute.BackendRef::weight).containsExactly(3, 1);
    }

    @Test
    void tlsRouteProblems() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: ["Bad_Host"]
                  rules:
                  - backendRefs: [{name: a}]
                """)).containsExactly(
                "tls.yaml:6: TLSRoute default/r: spec.hostnames[0]: must be a lowercase DNS name, optionally starting with \"*.\", not \"Bad_Host\"",
                "tls.yaml:8: TLSRoute default/r: spec.rules[0].backendRefs[0].port: required when kind is Service");
    }
}
