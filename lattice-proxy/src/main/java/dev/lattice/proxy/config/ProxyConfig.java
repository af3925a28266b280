package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's whole configuration: listeners (from LDS) and clusters (from CDS), immutable. A change is a new
 * instance, swapped in atomically; each request pins the instance it started with.
 */
public record ProxyConfig(List<ListenerConfig> listeners, Map<String, ClusterConfig> clusters) {
    public static final ProxyConfig EMPTY = new ProxyConfig(List.of(), Map.of());

    public ProxyConfig {
        listeners = List.copyOf(requireNonNull(listeners, "listeners"));
        clusters = Map.copyOf(requireNonNull(clusters, "clusters"));
    }

    public static ProxyConfig of(List<ListenerConfig> listeners, List<ClusterConfig> clusters) {
        Map<String, ClusterConfig> byName = new LinkedHashMap<>();
        for (ClusterConfig c : clusters) {
            byName.put(c.name(), c);
        }
        return new ProxyConfig(listeners, byName);
    }

    public ProxyConfig withListeners(List<ListenerConfig> newListeners) {
        return new ProxyConfig(newListeners, clusters);
    }

    public ProxyConfig withClusters(Map<String, ClusterConfig> newClusters) {
        return new ProxyConfig(listeners, newClusters);
    }
}
