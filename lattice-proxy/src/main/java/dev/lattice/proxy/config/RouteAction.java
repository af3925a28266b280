package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/** What a matched route does: forward to (weighted) clusters, or answer directly. */
public sealed interface RouteAction permits RouteAction.Forward, RouteAction.DirectResponse {

    /** The route's kind, for config dumps. */
    String kind();

    /**
     * Forward to one of {@code clusters} chosen by weight (a weight of 0 is never chosen).
     * {@code clusterNotFoundStatus} answers when the chosen cluster is not defined; a zero timeout disables it.
     */
    record Forward(List<WeightedCluster> clusters, int clusterNotFoundStatus, Duration timeout) implements RouteAction {
        public Forward {
            clusters = List.copyOf(requireNonNull(clusters, "clusters"));
            requireNonNull(timeout, "timeout");
            if (clusters.isEmpty()) {
                throw new IllegalArgumentException("route action: at least one cluster is required");
            }
        }

        public static Forward to(String cluster) {
            return new Forward(List.of(new WeightedCluster(cluster, 1)), 503, Duration.ZERO);
        }

        @Override
        public String kind() {
            return "forward";
        }
    }

    record WeightedCluster(String name, int weight) {
        public WeightedCluster {
            requireNonNull(name, "name");
            if (weight < 0) {
                throw new IllegalArgumentException("weighted cluster " + name + ": weight must be >= 0, got " + weight);
            }
        }
    }

    /** Answer with {@code status} and {@code body}. */
    record DirectResponse(int status, String body) implements RouteAction {
        public DirectResponse {
            requireNonNull(body, "body");
        }

        @Override
        public String kind() {
            return "direct_response";
        }
    }
}
