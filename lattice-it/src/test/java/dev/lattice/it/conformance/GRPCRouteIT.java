package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.testkit.EchoGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's GRPCRoute conformance tests (exact method matching, header matching, weights, listener hostname
 * matching, request header modifier, named rules) with a real grpc-java client through the gateway and the
 * testkit's gRPC echo ({@code lattice.echo.v1.Echo}) as the backends {@code grpc-infra-backend-v1/v2/v3}.
 */
class GRPCRouteIT {
    static ConformanceMesh c;
    static final List<ManagedChannel> channels = new ArrayList<>();

    static final String YAML = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: ready, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [ready.example]
              rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            ---
            # not an upstream test: gRPC carried by an HTTPRoute to an h2c (appProtocol kubernetes.io/h2c) backend
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: grpc-over-httproute, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grpc-http.example]
              rules:
              - matches: [{path: {type: PathPrefix, value: /lattice.echo.v1.Echo/}}]
                backendRefs: [{name: grpc-infra-backend-v2, port: 8080}]
            ---
            # grpcroute-exact-method-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: exact-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grpc.example]
              rules:
              - matches: [{method: {service: lattice.echo.v1.Echo, method: Echo}}]
                backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]
              - matches: [{method: {service: lattice.echo.v1.Echo, method: EchoTwo}}]
                backendRefs: [{name: grpc-infra-backend-v2, port: 8080}]
            ---
            # grpcroute-header-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc-header-matching, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grpc-headers.example]
              rules:
              - matches: [{headers: [{name: version, value: one}]}]
                backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]
              - matches: [{headers: [{name: version, value: two}]}]
                backendRefs: [{name: grpc-infra-backend-v2, port: 8080}]
              - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
                backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]
            ---
            # grpcroute-weight
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: weighted-backends, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grpc-weight.example]
              rules:
              - backendRefs:
                - {name: grpc-infra-backend-v1, port: 8080, weight: 70}
                - {name: grpc-infra-backend-v2, port: 8080, weight: 30}
                - {name: grpc-infra-backend-v3, port: 8080, weight: 0}
            ---
            # grpcroute-request-header-modifier and grpcroute-named-rule
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc-request-header-modifier, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              hostnames: [grpc-modifier.example]
              rules:
              - name: named-one
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: x-header-set, value: set-overwrites-values}]
                    add: [{name: x-header-add, value: add-appends-values}]
                    remove: [x-header-remove]
                backendRefs: [{name: grpc-infra-backend-v3, port: 8080}]
            ---
            # grpcroute-listener-hostname-matching
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: grpcroute-listener-hostname-matching, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: lattice
              listeners:
              - {name: listener-1, port: ${PORT1}, protocol: HTTP, hostname: bar.com, allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-2, port: ${PORT1}, protocol: HTTP, hostname: foo.bar.com, allowedRoutes: {namespaces: {from: Same}}}
              - {name: listener-3, port: ${PORT1}, protocol: HTTP, hostname: "*.bar.com", allowedRoutes: {namespaces: {from: Same}}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc-backend-v1, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: grpcroute-listener-hostname-matching, sectionName: listener-1}]
              rules: [{backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc-backend-v2, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: grpcroute-listener-hostname-matching, sectionName: listener-2}]
              rules: [{backendRefs: [{name: grpc-infra-backend-v2, port: 8080}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: grpc-backend-v3, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: grpcroute-listener-hostname-matching, sectionName: listener-3}]
              rules: [{backendRefs: [{name: grpc-infra-backend-v3, port: 8080}]}]
            """;

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(YAML);
        c.awaitReady(c.port("SAME"), "ready.example", "/", "infra-backend-v1");
    }

    @AfterAll
    static void down() throws InterruptedException {
        for (ManagedChannel ch : channels) ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (c != null) c.close();
    }

    static Channel channel(int port, String authority) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .overrideAuthority(authority).build();
        synchronized (channels) {
            channels.add(ch);
        }
        return ch;
    }

    static Struct call(Channel ch, MethodDescriptor<Struct, Struct> method, Map<String, String> metadata) {
        Metadata md = new Metadata();
        metadata.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        Struct req = Struct.newBuilder().putFields("hello", Value.newBuilder().setStringValue("lattice").build()).build();
        return ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md)),
                method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), req);
    }

    static String backend(Struct s) {
        return s.getFieldsOrDefault("name", Value.getDefaultInstance()).getStringValue();
    }

    static void awaitBackend(Channel ch, MethodDescriptor<Struct, Struct> m, Map<String, String> md, String name) {
        c.mesh.await(name + " answering " + m.getFullMethodName(), ConformanceMesh.WAIT,
                () -> backend(call(ch, m, md)).equals(name));
    }

    static final MethodDescriptor<Struct, Struct> ECHO_THREE = EchoGrpc.ECHO.toBuilder()
            .setFullMethodName("lattice.echo.v1.Echo/EchoThree").build();

    @Test
    void grpcOverAnHttpRouteToAnH2cBackend() {
        Channel ch = channel(c.port("SAME"), "grpc-http.example");
        awaitBackend(ch, EchoGrpc.ECHO, Map.of(), "infra-backend-v2");
        Struct r = call(ch, EchoGrpc.ECHO_TWO, Map.of("x-tenant", "acme"));
        assertThat(backend(r)).isEqualTo("infra-backend-v2");
        assertThat(r.getFieldsOrThrow("method").getStringValue()).isEqualTo("lattice.echo.v1.Echo/EchoTwo");
        assertThat(first(r.getFieldsOrThrow("metadata").getStructValue(), "x-tenant")).isEqualTo("acme");
        assertThat(r.getFieldsOrThrow("request").getStructValue().getFieldsOrThrow("hello").getStringValue())
                .isEqualTo("lattice");
    }

    @Test
    void exactMethodMatching() {
        Channel ch = channel(c.port("SAME"), "grpc.example");
        awaitBackend(ch, EchoGrpc.ECHO, Map.of(), "infra-backend-v1");
        assertThat(backend(call(ch, EchoGrpc.ECHO, Map.of()))).isEqualTo("infra-backend-v1");
        Struct two = call(ch, EchoGrpc.ECHO_TWO, Map.of());
        assertThat(backend(two)).isEqualTo("infra-backend-v2");
        assertThat(two.getFieldsOrThrow("method").getStringValue()).isEqualTo("lattice.echo.v1.Echo/EchoTwo");
        assertThatThrownBy(() -> call(ch, ECHO_THREE, Map.of())).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        c.awaitRouteCondition("GRPCRoute", INFRA, "exact-matching", "same-namespace", "Accepted", "True", "Accepted");
    }

    @Test
    void headerMatching() {
        Channel ch = channel(c.port("SAME"), "grpc-headers.example");
        awaitBackend(ch, EchoGrpc.ECHO, Map.of("version", "one"), "infra-backend-v1");
        assertThat(backend(call(ch, EchoGrpc.ECHO, Map.of("version", "two")))).isEqualTo("infra-backend-v2");
        assertThat(backend(call(ch, EchoGrpc.ECHO, Map.of("version", "two", "color", "orange")))).isEqualTo("infra-backend-v1");
        assertThatThrownBy(() -> call(ch, EchoGrpc.ECHO, Map.of("version", "three")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void weightedBackends() {
        Channel ch = channel(c.port("SAME"), "grpc-weight.example");
        awaitBackend(ch, EchoGrpc.ECHO, Map.of(), "infra-backend-v1");
        int n = 500;
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) counts.merge(backend(call(ch, EchoGrpc.ECHO, Map.of())), 1, Integer::sum);
        assertThat(counts.keySet()).as(counts.toString()).containsOnly("infra-backend-v1", "infra-backend-v2");
        assertThat(counts.get("infra-backend-v1") / (double) n).as(counts.toString()).isCloseTo(0.7, within(0.05));
        assertThat(counts.get("infra-backend-v2") / (double) n).as(counts.toString()).isCloseTo(0.3, within(0.05));
    }

    @Test
    void requestHeaderModifierAndNamedRule() {
        Channel ch = channel(c.port("SAME"), "grpc-modifier.example");
        awaitBackend(ch, EchoGrpc.ECHO, Map.of(), "infra-backend-v3");
        Struct r = call(ch, EchoGrpc.ECHO, Map.of("x-header-set", "original", "x-header-add", "first",
                "x-header-remove", "gone"));
        Struct md = r.getFieldsOrThrow("metadata").getStructValue();
        assertThat(first(md, "x-header-set")).isEqualTo("set-overwrites-values");
        assertThat(first(md, "x-header-add")).isEqualTo("first,add-appends-values");
        assertThat(md.containsFields("x-header-remove")).as(md.toString()).isFalse();
    }

    static String first(Struct md, String key) {
        Value v = md.getFieldsOrDefault(key, null);
        return v == null ? null : String.join(",", v.getListValue().getValuesList().stream().map(Value::getStringValue).toList());
    }

    @Test
    void listenerHostnameMatching() {
        int port = c.port("PORT1");
        awaitBackend(channel(port, "bar.com"), EchoGrpc.ECHO, Map.of(), "infra-backend-v1");
        assertThat(backend(call(channel(port, "foo.bar.com"), EchoGrpc.ECHO, Map.of()))).isEqualTo("infra-backend-v2");
        assertThat(backend(call(channel(port, "baz.bar.com"), EchoGrpc.ECHO, Map.of()))).isEqualTo("infra-backend-v3");
        assertThatThrownBy(() -> call(channel(port, "foo.com"), EchoGrpc.ECHO, Map.of()))
                .isInstanceOf(StatusRuntimeException.class);
    }
}
