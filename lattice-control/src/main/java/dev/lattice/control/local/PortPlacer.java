package dev.lattice.control.local;

import dev.lattice.control.ControlPlane;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.translate.ProxyRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places ports for proxies as {@code lattice up} does: requested ports are honoured; the others are free
 * ports found by binding port 0, and a proxy keeps the ports it was given for as long as it exists (so a
 * reload does not move it). A sidecar gets one inbound port per Workload app port; a gateway only an admin
 * port (its listener ports come from the Gateway). No placed port is one that a request names (an app port, or
 * a Gateway listener's port): a port free now may be one a Gateway will bind once its proxy runs.
 */
public final class PortPlacer implements ControlPlane.PortPlacement {
    private final Map<ProxyId, ProxyPorts> placed = new HashMap<>();

    @Override
    public synchronized Map<ProxyId, ProxyPorts> place(List<ProxyRequest> requests) {
        Set<Integer> used = new HashSet<>();
        for (ProxyRequest r : requests) {
            if (r.adminPort() != null) used.add(r.adminPort());
            if (r.outboundPort() != null) used.add(r.outboundPort());
            used.addAll(r.appPorts());
            used.addAll(r.listenerPorts());
        }
        Map<ProxyId, ProxyPorts> out = new LinkedHashMap<>();
        for (ProxyRequest r : requests) {
            ProxyPorts prev = placed.get(r.id());
            int admin = r.adminPort() != null ? r.adminPort()
                    : keepOrFree(prev == null ? 0 : prev.adminPort(), used);
            int outbound = 0;
            Map<Integer, Integer> inbound = new LinkedHashMap<>();
            if (r.id().role() == ProxyId.Role.SIDECAR) {
                outbound = r.outboundPort() != null ? r.outboundPort()
                        : keepOrFree(prev == null ? 0 : prev.outboundPort(), used);
                for (int app : r.appPorts()) {
                    Integer before = prev == null ? null : prev.inbound().get(app);
                    inbound.put(app, keepOrFree(before == null ? 0 : before, used));
                }
            }
            out.put(r.id(), new ProxyPorts(admin, outbound, inbound));
        }
        placed.clear();
        placed.putAll(out);
        return Map.copyOf(out);
    }

    private static int keepOrFree(int previous, Set<Integer> used) {
        if (previous > 0 && used.add(previous)) {
            return previous;
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = freePort();
            if (used.add(p)) {
                return p;
            }
        }
        throw new IllegalStateException("port placement: no free port found after 100 attempts");
    }

    /** A port that is free now on 127.0.0.1 (found by binding port 0). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("port placement: cannot bind a free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }
}
