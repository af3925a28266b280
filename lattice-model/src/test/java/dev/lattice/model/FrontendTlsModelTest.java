package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FrontendTlsModelTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("ft.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static MeshObject only(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("ft.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return Models.read(f.validResources().get(0)).value();
    }

    private static final String LISTENERS = """
              listeners:
              - name: https
                port: 443
                protocol: HTTPS
                tls: {certificateRefs: [{name: cert}]}
            """;

    @Test
    void configMapKeepsItsData() {
        ConfigMap c = (ConfigMap) only("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ca, namespace: infra}
                data:
                  ca.crt: |
                    PEM
                """);
        assertThat(c.key()).isEqualTo(new ResourceKey("ConfigMap", "infra", "ca"));
        assertThat(c.data()).containsEntry(ConfigMap.CA_CRT, "PEM\n");
    }

    @Test
    void configMapProblemsNameTheirLines() {
        assertThat(problems("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ca}
                data:
                  ca.crt: x
                  "bad key": x
                extra: 1
                """)).containsExactlyInAnyOrder(
                "ft.yaml:6: ConfigMap default/ca: data.bad key: key must consist of alphanumerics, '-', '_' or '.', not \"bad key\"",
                "ft.yaml:7: ConfigMap default/ca: extra: unknown field \"extra\" (known here: apiVersion, kind, metadata, data, "
                        + "binaryData, immutable)");
    }

    @Test
    void frontendDefaultAndPerPort() {
        Gateway g = (Gateway) only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          caCertificateRefs: [{kind: ConfigMap, group: "", name: ca}]
                      perPort:
                      - port: 8443
                        tls:
                          validation:
                            mode: AllowInsecureFallback
                            caCertificateRefs: [{kind: Secret, group: "", name: other, namespace: x}]
                """ + LISTENERS);
        Gateway.FrontendTls f = g.frontendTls();
        assertThat(f.forPort(443).mode()).isEqualTo(Gateway.Validation.ALLOW_VALID_ONLY);
        assertThat(f.forPort(443).caCertificateRefs()).containsExactly(new Gateway.CertificateRef("", "ConfigMap", "ca", null));
        assertThat(f.forPort(443).path()).isEqualTo("spec.tls.frontend.default.validation");
        assertThat(f.forPort(8443).insecureFallback()).isTrue();
        assertThat(f.forPort(8443).caCertificateRefs()).containsExactly(new Gateway.CertificateRef("", "Secret", "other", "x"));
        assertThat(f.forPort(8443).path()).isEqualTo("spec.tls.frontend.perPort[0].tls.validation");
    }

    @Test
    void withoutFrontendThereIsNone() {
        Gateway g = (Gateway) only("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                """ + LISTENERS);
        assertThat(g.frontendTls()).isNull();
    }

    @Test
    void frontendProblemsNameTheirLines() {
        assertThat(problems("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          mode: Sometimes
                          caCertificateRefs: []
                      perPort:
                      - port: 8443
                        tls: {validation: {caCertificateRefs: [{kind: ConfigMap, name: a}]}}
                      - port: 8443
                        tls: {}
                """ + LISTENERS)).containsExactly(
                "ft.yaml:10: Gateway default/gw: spec.tls.frontend.default.validation.mode: must be one of AllowValidOnly, AllowInsecureFallback, not \"Sometimes\"",
                "ft.yaml:11: Gateway default/gw: spec.tls.frontend.default.validation.caCertificateRefs: required: at least one caCertificateRef",
                "ft.yaml:14: Gateway default/gw: spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0].group: required",
                "ft.yaml:15: Gateway default/gw: spec.tls.frontend.perPort[1].port: duplicate perPort port 8443");
    }
}
