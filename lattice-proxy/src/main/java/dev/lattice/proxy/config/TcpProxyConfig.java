package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A TCP proxy filter chain (TLS passthrough): the bytes go untouched to an endpoint of a weighted cluster. */
public record TcpProxyConfig(String statPrefix, List<WeightedCluster> clusters) {
    public TcpProxyConfig {
        requireNonNull(statPrefix, "statPrefix");
        clusters = List.copyOf(requireNonNull(clusters, "clusters"));
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("tcp proxy " + statPrefix + ": at least one cluster is required");
        }
    }

    /** A cluster and its weight (0: never picked). */
    public record WeightedCluster(String name, int weight) {
        public WeightedCluster {
            requireNonNull(name, "name");
            if (weight < 0) {
                throw new IllegalArgumentException("cluster " + name + ": weight must not be negative");
            }
        }
    }
}
