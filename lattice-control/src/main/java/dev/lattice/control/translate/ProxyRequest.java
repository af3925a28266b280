package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.ProxyId;
import java.util.List;

/**
 * A proxy that the resources call for, before its ports are placed: one per Gateway, one per Workload with a
 * sidecar. The requested ports are null when the user left them to be chosen. {@code appPorts} are the
 * Workload's ports (empty for a gateway); {@code address} is where the Workload listens. {@code listenerPorts} are
 * the ports a gateway's listeners bind: no other proxy's port may be placed on them. {@code serviceAccount} is the
 * proxy's identity within its namespace (a Workload's {@code spec.serviceAccount}; a Gateway's own name), so its
 * SPIFFE ID is {@code spiffe://<trust domain>/ns/<id.namespace>/sa/<serviceAccount>}.
 */
public record ProxyRequest(ProxyId id, Integer outboundPort, Integer adminPort, String address, List<Integer> appPorts,
        List<Integer> listenerPorts, String serviceAccount) {
    public ProxyRequest {
        requireNonNull(id, "id");
        requireNonNull(address, "address");
        appPorts = List.copyOf(appPorts);
        listenerPorts = List.copyOf(listenerPorts);
        requireNonNull(serviceAccount, "serviceAccount");
    }

    /** With the default identity: a Gateway's name, a sidecar's {@code default} service account. */
    public ProxyRequest(ProxyId id, Integer outboundPort, Integer adminPort, String address, List<Integer> appPorts,
            List<Integer> listenerPorts) {
        this(id, outboundPort, adminPort, address, appPorts, listenerPorts,
                id.role() == ProxyId.Role.GATEWAY ? id.name() : "default");
    }

    /** A request without listener ports of its own (a sidecar, or a gateway in tests). */
    public ProxyRequest(ProxyId id, Integer outboundPort, Integer adminPort, String address, List<Integer> appPorts) {
        this(id, outboundPort, adminPort, address, appPorts, List.of());
    }
}
