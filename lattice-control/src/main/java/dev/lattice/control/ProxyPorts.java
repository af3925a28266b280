package dev.lattice.control;

import java.util.Map;

/**
 * Ports chosen for one proxy outside translation (by whoever places proxies: `lattice up` picks free ports).
 * Gateways use only {@code adminPort}; their listener ports come from the Gateway. For a sidecar,
 * {@code inbound} maps each Workload app port to the sidecar port that receives mesh traffic for it.
 */
public record ProxyPorts(int adminPort, int outboundPort, Map<Integer, Integer> inbound) {
    public ProxyPorts {
        inbound = Map.copyOf(inbound);
    }
}
