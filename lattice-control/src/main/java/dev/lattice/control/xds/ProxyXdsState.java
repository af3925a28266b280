package dev.lattice.control.xds;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * What the xDS server knows about one node: whether a stream is open, what the node said about itself
 * (metadata pid and admin_port, null when not sent), and per type ("CDS", "LDS") the version sent, the
 * version last ACKed, and the last NACK (null once a later ACK came).
 */
public record ProxyXdsState(String nodeId, boolean connected, Long pid, Integer adminPort, String proxyVersion,
                            Map<String, String> sentVersions, Map<String, String> ackedVersions,
                            Map<String, Nack> nacks, Instant lastSeen) {
    public ProxyXdsState {
        requireNonNull(nodeId, "nodeId");
        sentVersions = sorted(sentVersions);
        ackedVersions = sorted(ackedVersions);
        nacks = sorted(nacks);
    }

    /** A rejected response: the version the proxy refused and its error_detail.message. */
    public record Nack(String type, String version, String reason, Instant at) {
        public Nack {
            requireNonNull(type, "type");
            requireNonNull(version, "version");
            requireNonNull(reason, "reason");
            requireNonNull(at, "at");
        }
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(m));
    }

    /** The most recent NACK over all types, or null. */
    public Nack lastNack() {
        return nacks.values().stream().max(java.util.Comparator.comparing(Nack::at)).orElse(null);
    }
}
