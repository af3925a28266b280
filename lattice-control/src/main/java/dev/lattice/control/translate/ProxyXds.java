package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.ProxyId;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;

/** What one proxy is sent: its listeners, clusters and secrets (SDS), as docs/xds.md describes them. */
public record ProxyXds(ProxyId id, List<Listener> listeners, List<Cluster> clusters,
                       List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets) {
    public ProxyXds {
        requireNonNull(id, "id");
        listeners = List.copyOf(listeners);
        clusters = List.copyOf(clusters);
        secrets = List.copyOf(secrets);
    }

    /** Without secrets. */
    public ProxyXds(ProxyId id, List<Listener> listeners, List<Cluster> clusters) {
        this(id, listeners, clusters, List.of());
    }

    /** The ports this proxy's listeners bind, in listener order. */
    public List<Integer> listenPorts() {
        return listeners.stream().map(l -> l.getAddress().getSocketAddress().getPortValue()).toList();
    }
}
