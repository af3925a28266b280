package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendTlsPolicyTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("btls.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static BackendTlsPolicy only(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("btls.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return (BackendTlsPolicy) Models.read(f.validResources().get(0)).value();
    }

    @Test
    void readsTargetsCaRefsHostnameAndSubjectAltNames() {
        BackendTlsPolicy p = only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: p, namespace: infra}
                spec:
                  targetRefs:
                  - {group: "", kind: Service, name: backend, sectionName: btls}
                  - {group: "", kind: Service, name: other}
                  validation:
                    caCertificateRefs:
                    - {group: "", kind: ConfigMap, name: ca}
                    hostname: abc.example.com
                    subjectAltNames:
                    - {type: Hostname, hostname: "*.example.com"}
                    - {type: URI, uri: "spiffe://cluster.local/ns/infra/sa/backend"}
                """);
        assertThat(p.targetRefs()).containsExactly(new BackendTlsPolicy.TargetRef("", "Service", "backend", "btls"),
                new BackendTlsPolicy.TargetRef("", "Service", "other", null));
        assertThat(p.targetRefs().get(0).isService()).isTrue();
        assertThat(p.caCertificateRefs()).containsExactly(new BackendTlsPolicy.CaRef("", "ConfigMap", "ca"));
        assertThat(p.caCertificateRefs().get(0).isConfigMap()).isTrue();
        assertThat(p.wellKnownCaCertificates()).isNull();
        assertThat(p.hostname()).isEqualTo("abc.example.com");
        assertThat(p.subjectAltNames()).containsExactly(
                new BackendTlsPolicy.SubjectAltName(BackendTlsPolicy.SanType.Hostname, "*.example.com"),
                new BackendTlsPolicy.SubjectAltName(BackendTlsPolicy.SanType.URI, "spiffe://cluster.local/ns/infra/sa/backend"));
    }

    @Test
    void anotherCaKindIsNotAProblemButLeftForStatus() {
        BackendTlsPolicy p = only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: p}
                spec:
                  targetRefs: [{group: "", kind: Service, name: backend}]
                  validation:
                    caCertificateRefs: [{group: "", kind: Secret, name: ca}]
                    hostname: abc.example.com
                """);
        assertThat(p.caCertificateRefs().get(0).isConfigMap()).isFalse();
        BackendTlsPolicy s = only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: p}
                spec:
                  targetRefs: [{group: "", kind: Service, name: backend}]
                  validation: {wellKnownCACertificates: System, hostname: abc.example.com}
                """);
        assertThat(s.wellKnownCaCertificates()).isEqualTo(BackendTlsPolicy.SYSTEM);
    }

    @Test
    void schemaRulesAreProblemsWithTheirLines() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: p}
                spec:
                  targetRefs:
                  - {group: "", kind: Service, name: backend}
                  - {group: "", kind: Service, name: backend, sectionName: a}
                  validation:
                    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
                    wellKnownCACertificates: System
                    hostname: "*.example.com"
                    subjectAltNames:
                    - {type: Hostname}
                    - {type: URI, uri: "not a uri"}
                """)).containsExactly(
                "btls.yaml:7: BackendTLSPolicy default/p: spec.targetRefs[1]: sectionName must be specified when targetRefs includes 2 or more references to the same target",
                "btls.yaml:8: BackendTLSPolicy default/p: spec.validation: must not contain both CACertificateRefs and WellKnownCACertificates",
                "btls.yaml:11: BackendTLSPolicy default/p: spec.validation.hostname: must be a precise DNS name, not the wildcard \"*.example.com\"",
                "btls.yaml:13: BackendTLSPolicy default/p: spec.validation.subjectAltNames[0].hostname: required when type is Hostname",
                "btls.yaml:14: BackendTLSPolicy default/p: spec.validation.subjectAltNames[1].uri: must be an absolute URI, not \"not a uri\"");
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: p}
                spec:
                  targetRefs: []
                  validation: {hostname: a.example.com}
                """)).hasSize(2).anyMatch(s -> s.contains("spec.targetRefs: required: at least one target"))
                .anyMatch(s -> s.contains("must specify either CACertificateRefs or WellKnownCACertificates"));
    }
}
