package dev.lattice.control.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.translate.ProxyRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortPlacerTest {
    static final ProxyId GW = new ProxyId(ProxyId.Role.GATEWAY, "default", "gw");
    static final ProxyId A = new ProxyId(ProxyId.Role.SIDECAR, "default", "a");
    static final ProxyId B = new ProxyId(ProxyId.Role.SIDECAR, "default", "b");

    @Test
    void honoursRequestedPortsAndPicksDistinctFreeOnes() {
        PortPlacer placer = new PortPlacer();
        Map<ProxyId, ProxyPorts> p = placer.place(List.of(
                new ProxyRequest(GW, null, null, "0.0.0.0", List.of()),
                new ProxyRequest(A, 15001, 15000, "127.0.0.1", List.of(19080, 19081)),
                new ProxyRequest(B, null, null, "127.0.0.1", List.of(19082))));
        assertThat(p.get(A).outboundPort()).isEqualTo(15001);
        assertThat(p.get(A).adminPort()).isEqualTo(15000);
        assertThat(p.get(A).inbound()).containsOnlyKeys(19080, 19081);
        assertThat(p.get(B).inbound()).containsOnlyKeys(19082);
        assertThat(p.get(GW).outboundPort()).isZero();
        assertThat(p.get(GW).inbound()).isEmpty();
        Set<Integer> all = new HashSet<>();
        int count = 0;
        for (ProxyPorts pp : p.values()) {
            for (int port : List.of(pp.adminPort(), pp.outboundPort())) {
                if (port != 0) { all.add(port); count++; }
            }
            all.addAll(pp.inbound().values());
            count += pp.inbound().size();
        }
        assertThat(all).hasSize(count).doesNotContain(19080, 19081, 19082);
    }

    @Test
    void placementsAreStableAcrossReloads() {
        PortPlacer placer = new PortPlacer();
        ProxyRequest b = new ProxyRequest(B, null, null, "127.0.0.1", List.of(19082));
        Map<ProxyId, ProxyPorts> first = placer.place(List.of(b, new ProxyRequest(GW, null, null, "0.0.0.0", List.of())));
        Map<ProxyId, ProxyPorts> second = placer.place(List.of(b,
                new ProxyRequest(A, null, null, "127.0.0.1", List.of(1))));
        assertThat(second.get(B)).isEqualTo(first.get(B));
        assertThat(second).doesNotContainKey(GW);
        // a new app port gets a new inbound port, the old one keeps its own
        Map<ProxyId, ProxyPorts> third = placer.place(List.of(
                new ProxyRequest(B, null, null, "127.0.0.1", List.of(19082, 19083))));
        assertThat(third.get(B).inbound().get(19082)).isEqualTo(first.get(B).inbound().get(19082));
        assertThat(third.get(B).inbound()).containsKey(19083);
        assertThat(third.get(B).adminPort()).isEqualTo(first.get(B).adminPort());
    }

    @Test
    void noPlacedPortIsAGatewayListenerPort() {
        PortPlacer placer = new PortPlacer();
        ProxyRequest b = new ProxyRequest(B, null, null, "127.0.0.1", List.of(19082));
        ProxyPorts first = placer.place(List.of(b)).get(B);
        int inbound = first.inbound().get(19082);
        // a Gateway now listens on the ports B was given: B moves off them, the Gateway's ports are not placed
        ProxyRequest gw = new ProxyRequest(GW, null, null, "0.0.0.0", List.of(),
                List.of(first.adminPort(), first.outboundPort(), inbound));
        Map<ProxyId, ProxyPorts> second = placer.place(List.of(gw, b));
        Set<Integer> placed = new HashSet<>(second.get(B).inbound().values());
        placed.add(second.get(B).adminPort());
        placed.add(second.get(B).outboundPort());
        placed.add(second.get(GW).adminPort());
        assertThat(placed).hasSize(4).doesNotContain(first.adminPort(), first.outboundPort(), inbound);
    }
}
