package dev.lattice.control.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KindsTest {
    @ParameterizedTest
    @CsvSource({
            "svc,Service", "service,Service", "services,Service", "Service,Service",
            "gtw,Gateway", "gateway,Gateway", "gateways,Gateway",
            "httproute,HTTPRoute", "httproutes,HTTPRoute", "HTTPRoute,HTTPRoute",
            "httproutes.gateway.networking.k8s.io,HTTPRoute",
            "grpcroute,GRPCRoute", "grpcroutes,GRPCRoute", "grpcroutes.gateway.networking.k8s.io,GRPCRoute",
            "gc,GatewayClass", "gatewayclass,GatewayClass", "gatewayclasses,GatewayClass",
            "referencegrant,ReferenceGrant", "referencegrants,ReferenceGrant",
            "workload,Workload", "workloads,Workload",
            "ns,Namespace", "namespace,Namespace", "namespaces,Namespace",
            "secret,Secret", "secrets,Secret", "tlsroute,TLSRoute", "tlsroutes.gateway.networking.k8s.io,TLSRoute"})
    void resolvesWhatKubectlTakes(String typed, String kind) {
        assertThat(Kinds.resolve(typed)).hasValueSatisfying(k -> assertThat(k.kind()).isEqualTo(kind));
    }

    @ParameterizedTest
    @CsvSource({"pods", "route", "httproutes.example.com", "''"})
    void rejectsOthers(String typed) {
        assertThat(Kinds.resolve(typed)).isEmpty();
    }
}
