package dev.lattice.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.local.PortPlacer;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.xds.XdsServer;
import dev.lattice.control.xds.XdsTypes;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControlPlaneTest {
    static final List<Resource> MESH = List.of(
            FakeSource.resource("m.yaml", 1, """
                    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "lattice"},
                     "spec": {"controllerName": "lattice.dev/gateway-controller"}}"""),
            FakeSource.resource("m.yaml", 6, """
                    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "default"},
                     "spec": {"gatewayClassName": "lattice", "listeners": [{"name": "http", "port": 18080, "protocol": "HTTP"}]}}"""),
            FakeSource.resource("m.yaml", 12, """
                    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [{"name": "echo", "port": 80}]}]}}"""),
            FakeSource.resource("m.yaml", 20, """
                    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "echo", "namespace": "default"},
                     "spec": {"selector": {"app": "echo"}, "ports": [{"name": "http", "port": 80, "targetPort": 19999}]}}"""),
            FakeSource.resource("m.yaml", 26, """
                    {"apiVersion": "lattice.dev/v1alpha1", "kind": "Workload",
                     "metadata": {"name": "echo-1", "namespace": "default", "labels": {"app": "echo"}},
                     "spec": {"ports": [{"name": "http", "port": 19999}]}}"""));
    static final ProxyId GW = new ProxyId(ProxyId.Role.GATEWAY, "default", "gw");
    static final ResourceKey ROUTE = new ResourceKey("HTTPRoute", "default", "web");

    final XdsServer xds = XdsServer.start("127.0.0.1", 0);

    @AfterEach
    void stop() {
        xds.close();
    }

    static final class SteppingClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void translatesPublishesAndKeepsTransitionTimes() {
        SteppingClock clock = new SteppingClock();
        AtomicReference<ControlPlane.State> seen = new AtomicReference<>();
        ControlPlane cp = new ControlPlane(new FakeSource(new SourceState(MESH, List.of())), xds, new PortPlacer(),
                clock, seen::set);
        cp.start();
        ControlPlane.State s1 = cp.state();
        assertThat(seen.get()).isSameAs(s1);
        assertThat(s1.snapshot().version()).isEqualTo(1);
        assertThat(s1.problems()).isEmpty();
        assertThat(s1.proxies()).containsKeys(GW, new ProxyId(ProxyId.Role.SIDECAR, "default", "echo-1"));
        assertThat(s1.snapshot().ports()).containsKey(GW);
        assertThat(xds.publishedVersion(GW, XdsTypes.LISTENER)).isNotNull();
        ObjectNode status = s1.statuses().get(ROUTE);
        assertThat(status.at("/parents/0/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");

        clock.now.set(Instant.parse("2026-01-01T01:00:00Z"));
        ControlPlane.State s2 = cp.apply(new SourceState(MESH, List.of()));
        assertThat(s2.snapshot().version()).isEqualTo(2);
        assertThat(s2.statuses().get(ROUTE).at("/parents/0/conditions/0/lastTransitionTime").asText())
                .as("unchanged condition keeps its time").isEqualTo("2026-01-01T00:00:00Z");
        assertThat(s2.snapshot().ports()).isEqualTo(s1.snapshot().ports());
        cp.close();
    }

    @Test
    void aFailureIsAProblemAndTheLastGoodConfigKeepsServing() {
        AtomicBoolean fail = new AtomicBoolean();
        PortPlacer placer = new PortPlacer();
        ControlPlane cp = new ControlPlane(new FakeSource(new SourceState(MESH, List.of())), xds, requests -> {
            if (fail.get()) throw new IllegalStateException("boom");
            return placer.place(requests);
        }, Clock.systemUTC(), s -> { });
        cp.start();
        String lds = xds.publishedVersion(GW, XdsTypes.LISTENER);
        ControlPlane.State good = cp.state();
        fail.set(true);
        ControlPlane.State bad = cp.apply(new SourceState(MESH.subList(0, 2), List.of()));
        assertThat(bad.problems()).hasSize(1);
        assertThat(bad.problems().getFirst().message()).contains("translation failed", "boom");
        assertThat(bad.proxies()).isEqualTo(good.proxies());
        assertThat(bad.statuses()).isEqualTo(good.statuses());
        assertThat(xds.publishedVersion(GW, XdsTypes.LISTENER)).isEqualTo(lds);
        fail.set(false);
        ControlPlane.State recovered = cp.apply(new SourceState(MESH, List.of()));
        assertThat(recovered.problems()).isEmpty();
        cp.close();
    }

    @Test
    void fetchedJwksReachTheXdsAndTheStatusAsANewVersion() throws Exception {
        String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}";
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.List<ControlPlane.State> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch firstStateSeen = new java.util.concurrent.CountDownLatch(1);
        server.createContext("/jwks", x -> {
            // the keys arrive only once the first state (translated before them) has been handed on: otherwise a
            // fast fetch's translation could overtake it, and the first state would already have the keys
            try {
                firstStateSeen.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = jwks.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        List<Resource> mesh = new java.util.ArrayList<>(MESH);
        mesh.add(FakeSource.resource("j.yaml", 1, """
                {"apiVersion": "lattice.dev/v1alpha1", "kind": "JWTPolicy", "metadata": {"name": "users", "namespace": "default"},
                 "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "web"}],
                          "providers": [{"name": "p", "remoteJWKS": {"uri": "http://127.0.0.1:PORT/jwks"}}]}}"""
                .replace("PORT", String.valueOf(server.getAddress().getPort()))));
        ControlPlane cp = new ControlPlane(new FakeSource(new SourceState(mesh, List.of())), xds, new PortPlacer(),
                Clock.systemUTC(), st -> {
                    seen.add(st);
                    firstStateSeen.countDown();
                });
        try {
            cp.start();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!cp.state().proxies().get(GW).listeners().toString().contains("kid")) {
                if (System.nanoTime() > deadline) throw new AssertionError("the fetched keys never reached the xDS");
                Thread.sleep(50);
            }
            ControlPlane.State s = cp.state();
            assertThat(s.snapshot().version()).isGreaterThan(1); // translated again when the keys arrived
            assertThat(s.snapshot().remoteJwks().values()).containsExactly(new RemoteJwks(jwks, null));
            assertThat(s.statuses().get(new ResourceKey("JWTPolicy", "default", "users")).toString())
                    .contains("\"type\":\"ResolvedRefs\",\"status\":\"True\"");
            // the first state, before the fetch: fails closed and says why
            assertThat(seen.getFirst().statuses().get(new ResourceKey("JWTPolicy", "default", "users")).toString())
                    .contains("JWKSUnavailable").contains("not fetched yet");
            assertThat(seen.getLast()).isSameAs(s);
        } finally {
            cp.close();
            server.stop(0);
        }
    }
}
