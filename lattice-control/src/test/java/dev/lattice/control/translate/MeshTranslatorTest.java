package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.source.DirectorySource;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceLoader;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshTranslatorTest {
    static List<Resource> load(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("in.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return f.validResources();
    }

    static final String MESH = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: lattice}
            spec: {controllerName: lattice.dev/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: other}
            spec: {controllerName: example.com/other}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: edge}
            spec:
              gatewayClassName: lattice
              listeners: [{name: http, protocol: HTTP, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: foreign}
            spec:
              gatewayClassName: other
              listeners: [{name: http, protocol: HTTP, port: 8081}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: a}
            spec:
              address: 127.0.0.5
              ports: [{name: http, port: 19080}, {name: admin, port: 19081}]
              sidecar: {outboundPort: 15001, adminPort: 15000}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: b}
            spec:
              ports: [{name: http, port: 19090}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: c}
            spec:
              ports: [{name: http, port: 19100}]
              sidecar: {inject: false}
            """;

    @Test
    void proxiesAreLatticeGatewaysAndInjectedWorkloads() {
        List<ProxyRequest> ps = MeshTranslator.proxies(load(MESH));
        assertThat(ps).containsExactly(
                new ProxyRequest(new ProxyId(ProxyId.Role.GATEWAY, "edge", "gw"), null, null, "0.0.0.0", List.of(), List.of(8080)),
                new ProxyRequest(new ProxyId(ProxyId.Role.SIDECAR, "default", "a"), 15001, 15000, "127.0.0.5", List.of(19080, 19081)),
                new ProxyRequest(new ProxyId(ProxyId.Role.SIDECAR, "default", "b"), null, null, "127.0.0.1", List.of(19090)));
    }

    @Test
    void translateGivesEveryRequestedProxyItsListeners() {
        List<Resource> resources = load(MESH);
        Map<ProxyId, ProxyPorts> ports = new HashMap<>();
        ports.put(new ProxyId(ProxyId.Role.SIDECAR, "default", "a"), new ProxyPorts(15000, 15001, Map.of(19080, 25080, 19081, 25081)));
        // b is not placed yet: it still gets a proxy entry, without listeners it cannot bind
        MeshTranslation t = MeshTranslator.translate(new MeshSnapshot(7, resources, List.of(), ports));
        assertThat(t.proxies().keySet()).containsExactlyInAnyOrderElementsOf(
                MeshTranslator.proxies(resources).stream().map(ProxyRequest::id).toList());
        ProxyXds a = t.proxies().get(new ProxyId(ProxyId.Role.SIDECAR, "default", "a"));
        assertThat(a.listenPorts()).containsExactly(15001, 25080, 25081);
        assertThat(a.listeners().get(1).getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.5");
        assertThat(t.proxies().get(new ProxyId(ProxyId.Role.SIDECAR, "default", "b")).listeners()).isEmpty();
        ProxyXds gw = t.proxies().get(new ProxyId(ProxyId.Role.GATEWAY, "edge", "gw"));
        assertThat(gw.listenPorts()).containsExactly(8080);
        assertThat(t.statuses()).containsKeys(new dev.lattice.model.ResourceKey("Gateway", "edge", "gw"),
                new dev.lattice.model.ResourceKey("GatewayClass", "", "lattice"));
        assertThat(t.statuses()).doesNotContainKeys(new dev.lattice.model.ResourceKey("Gateway", "default", "foreign"),
                new dev.lattice.model.ResourceKey("GatewayClass", "", "other"));
        assertThat(t.problems()).isEmpty();
    }

    @Test
    void translationIsPureAndDeterministic() {
        List<Resource> resources = load(MESH);
        MeshSnapshot s = new MeshSnapshot(1, resources, List.of(), Map.of());
        assertThat(MeshTranslator.translate(s)).isEqualTo(MeshTranslator.translate(s));
    }

    @Test
    void gatewayListenerCarriesHcmWithInlineRoutesAndRouter() throws Exception {
        List<Resource> resources = load(MESH);
        MeshTranslation t = MeshTranslator.translate(new MeshSnapshot(1, resources, List.of(), Map.of()));
        Listener l = t.proxies().get(new ProxyId(ProxyId.Role.GATEWAY, "edge", "gw")).listeners().get(0);
        assertThat(l.getName()).isEqualTo("gateway/8080");
        assertThat(l.getFilterChainsCount()).isEqualTo(1);
        assertThat(l.getFilterChains(0).getFiltersCount()).isEqualTo(1);
        HttpConnectionManager hcm = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        assertThat(hcm.getCodecType()).isEqualTo(HttpConnectionManager.CodecType.AUTO);
        assertThat(hcm.getStripAnyHostPort()).isTrue();
        assertThat(hcm.getRouteConfig().getName()).isEqualTo("gateway/8080");
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName()).containsExactly("envoy.filters.http.router");
    }

    @Test
    void irOfBookstoreExampleHasNoProblems() throws Exception {
        Path dir = Path.of("../examples/bookstore");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "examples/bookstore present");
        SourceState s = DirectorySource.load(dir);
        assertThat(s.problems()).isEmpty();
        Map<ProxyId, ProxyPorts> ports = new HashMap<>();
        int next = 20000;
        for (ProxyRequest p : MeshTranslator.proxies(s.resources())) {
            Map<Integer, Integer> in = new HashMap<>();
            for (int app : p.appPorts()) in.put(app, next++);
            ports.put(p.id(), new ProxyPorts(next++, next++, in));
        }
        MeshSnapshot snap = new MeshSnapshot(1, s.resources(), s.problems(), ports);
        MeshTranslator.IrTranslation ir = MeshTranslator.translateIr(snap);
        assertThat(ir.problems()).isEmpty();
        Ir.Proxy gw = ir.proxies().get(new ProxyId(ProxyId.Role.GATEWAY, "default", "bookstore"));
        assertThat(gw.listeners()).hasSize(1);
        Ir.VirtualHost vh = gw.listeners().get(0).virtualHosts().get(0);
        assertThat(vh.domains()).containsExactly("bookstore.example");
        assertThat(vh.routes()).extracting(Ir.Route::action).contains(new Ir.Forward(List.of(
                new Ir.WeightedCluster("default/reviews-v1/9080", 80), new Ir.WeightedCluster("default/reviews-v2/9080", 20)), false));
        MeshTranslation t = MeshTranslator.translate(snap);
        assertThat(t.statuses().get(new dev.lattice.model.ResourceKey("HTTPRoute", "default", "reviews"))
                .at("/parents/0/conditions/0/status").asText()).isEqualTo("True");
    }

    @Test
    void badLoadBalancerAnnotationConflictingListenersAndUdpBackendAreReported() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: lattice}
                spec: {controllerName: lattice.dev/gateway-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: a, protocol: HTTP, port: 80, hostname: x.example}
                  - {name: b, protocol: HTTP, port: 80, hostname: x.example}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: dns
                  annotations:
                    lattice.dev/load-balancer: random
                spec:
                  ports: [{port: 53, protocol: UDP}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                  - backendRefs: [{name: dns, port: 53}]
                """;
        MeshTranslation t = MeshTranslator.translate(new MeshSnapshot(1, load(yaml), List.of(), Map.of()));
        assertThat(t.problems()).extracting(Object::toString).containsExactly(
                "in.yaml:20: Service default/dns: metadata.annotations[lattice.dev/load-balancer]: must be round-robin or least-request, not \"random\"; using least-request",
                "in.yaml:13: Gateway default/gw: spec.listeners[1].hostname: another HTTP listener on port 80 has the same hostname",
                "in.yaml:30: HTTPRoute default/r: spec.rules[0].backendRefs[0].port: Service default/dns port 53 is not TCP");
        var gw = t.statuses().get(new dev.lattice.model.ResourceKey("Gateway", "default", "gw"));
        assertThat(gw.at("/listeners/1/conditions").toString()).contains("\"type\":\"Conflicted\",\"status\":\"True\",\"reason\":\"HostnameConflict\"");
        assertThat(gw.at("/listeners/0/attachedRoutes").asInt()).isEqualTo(1);
        assertThat(gw.at("/listeners/1/attachedRoutes").asInt()).isEqualTo(0);
        var route = t.statuses().get(new dev.lattice.model.ResourceKey("HTTPRoute", "default", "r"));
        assertThat(route.at("/parents/0/conditions/1/reason").asText()).isEqualTo("BackendNotFound");
        assertThat(route.at("/parents/0/conditions/1/lastTransitionTime").asText()).isEqualTo(MeshTranslator.NO_TIME);
    }

    @Test
    void twoGatewaysOnOnePortAreReported() {
        String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: lattice}
                spec: {controllerName: lattice.dev/gateway-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: a}
                spec:
                  gatewayClassName: lattice
                  listeners: [{name: http, protocol: HTTP, port: 8080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: b}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: other, protocol: HTTP, port: 9090}
                  - {name: http, protocol: HTTP, port: 8080, hostname: b.example}
                """;
        MeshTranslation t = MeshTranslator.translate(new MeshSnapshot(1, load(yaml), List.of(), Map.of()));
        assertThat(t.problems()).extracting(Object::toString).containsExactly(
                "in.yaml:20: Gateway default/b: spec.listeners[1].port: port 8080 is also a listener port of Gateway default/a; "
                        + "on one machine only one of them can listen on it");
    }
}
