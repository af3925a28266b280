package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSliceTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("slices.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    @Test
    void readsServiceNamePortsAndReadyEndpoints() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("slices.yaml", """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: manual-ip4, namespace: infra, labels: {kubernetes.io/service-name: manual}}
                addressType: IPv4
                ports: [{name: first-port, port: 3000, protocol: TCP}]
                endpoints:
                - addresses: [127.0.0.1]
                  conditions: {ready: true, serving: true, terminating: false}
                  targetRef: {kind: Pod, name: p}
                - addresses: [127.0.0.2]
                  conditions: {ready: false}
                """);
        assertThat(f.allProblems()).isEmpty();
        EndpointSlice s = (EndpointSlice) Models.read(f.validResources().get(0)).value();
        assertThat(s.serviceName()).isEqualTo("manual");
        assertThat(s.port("first-port")).isEqualTo(new EndpointSlice.Port("first-port", 3000, "TCP"));
        assertThat(s.port("other")).isNull();
        assertThat(s.endpoints()).containsExactly(new EndpointSlice.Endpoint(List.of("127.0.0.1"), true),
                new EndpointSlice.Endpoint(List.of("127.0.0.2"), false));
    }

    @Test
    void addressesMustMatchTheAddressTypeAndFqdnIsNotRead() {
        assertThat(problems("""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: s6}
                addressType: IPv6
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: fqdn}
                addressType: FQDN
                ports: [{port: 80}]
                """)).containsExactly(
                "slices.yaml:5: EndpointSlice default/s6: endpoints[0].addresses[0]: must be an IPv6 address such as ::1, not \"127.0.0.1\"",
                "slices.yaml:10: EndpointSlice default/fqdn: addressType: FQDN is not supported: Lattice connects to IP addresses (IPv4 or IPv6)");
    }
}
