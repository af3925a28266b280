package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.ProxyId;
import java.util.List;

/**
 * A proxy that the resources call for, before its ports are placed: one per Gateway, one per Workload with a
 * sidecar. The requested ports are null when the user left them to be chosen. {@code appPorts} are the
 * Workload's ports (empty for a gateway); {@code address} is where the Workload listens. {@code listenerPorts} are
 * the ports a gateway's listeners bind: no other proxy's port may be placed on them.
 */
public record ProxyRequest(ProxyId id, Integer outboundPort, Integer adminPort, String address, List<Integer> appPorts,
        List<Integer> listenerPorts) {
    public ProxyRequest {
        requireNonNull(id, "id");
        requireNonNull(address, "address");
        appPorts = List.copyOf(appPorts);
        listenerPorts = List.copyOf(listenerPorts);
    }

    /** A request without listener ports of its own (a sidecar, or a gateway in tests). */
    public ProxyRequest(ProxyId id, Integer outboundPort, Integer adminPort, String address, List<Integer> appPorts) {
        this(id, outboundPort, adminPort, address, appPorts, List.of());
    }
}
