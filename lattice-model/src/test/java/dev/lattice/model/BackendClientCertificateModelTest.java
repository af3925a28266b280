package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendClientCertificateModelTest {
    private static final String HEAD = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: http, port: 80, protocol: HTTP}
            """;

    private static List<String> problems(String yaml) {
        return ResourceLoader.load("bc.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static Gateway gateway(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("bc.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return (Gateway) Models.read(f.validResources().get(0)).value();
    }

    @Test
    void clientCertificateRefIsRead() {
        Gateway g = gateway(HEAD + """
                  tls:
                    backend:
                      clientCertificateRef: {group: "", kind: Secret, name: client, namespace: certs}
                """);
        assertThat(g.backendClientCertificate()).isEqualTo(new Gateway.CertificateRef("", "Secret", "client", "certs"));
        assertThat(g.backendClientCertificate().isSecret()).isTrue();
    }

    @Test
    void groupAndKindDefaultToCoreSecretAndOthersAreKeptForTheTranslator() {
        assertThat(gateway(HEAD + "  tls: {backend: {clientCertificateRef: {name: client}}}\n").backendClientCertificate())
                .isEqualTo(new Gateway.CertificateRef("", "Secret", "client", null));
        Gateway wrong = gateway(HEAD + "  tls: {backend: {clientCertificateRef: {group: x.io, kind: WrongKind, name: c}}}\n");
        assertThat(wrong.backendClientCertificate().isSecret()).isFalse();
    }

    @Test
    void withoutBackendThereIsNone() {
        assertThat(gateway(HEAD).backendClientCertificate()).isNull();
        assertThat(gateway(HEAD + "  tls: {backend: {}}\n").backendClientCertificate()).isNull();
    }

    @Test
    void problemsNameTheirLines() {
        assertThat(problems(HEAD + """
                  tls:
                    backend:
                      clientCertificateRef: {kind: Secret, size: 3}
                      other: 1
                """)).containsExactlyInAnyOrder(
                "bc.yaml:10: Gateway default/gw: spec.tls.backend.clientCertificateRef.name: required",
                "bc.yaml:10: Gateway default/gw: spec.tls.backend.clientCertificateRef.size: unknown field \"size\" (known here: group, kind, name, namespace)",
                "bc.yaml:11: Gateway default/gw: spec.tls.backend.other: unknown field \"other\" (known here: clientCertificateRef)");
    }
}
