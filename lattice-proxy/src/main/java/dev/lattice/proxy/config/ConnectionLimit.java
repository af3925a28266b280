package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/**
 * A filter chain's limit on open downstream connections (Envoy's {@code envoy.filters.network.connection_limit}, from
 * ClientTrafficPolicy {@code maxConnections}): a connection accepted while {@code maxConnections} are open on the
 * listener's chains of the same {@code statPrefix} is closed at once and counted.
 */
public record ConnectionLimit(String statPrefix, long maxConnections) {
    public ConnectionLimit {
        requireNonNull(statPrefix, "statPrefix");
        if (statPrefix.isEmpty()) throw new IllegalArgumentException("statPrefix must not be empty");
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
}
