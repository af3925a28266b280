package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/** What a matched route does: forward to (weighted) clusters, or answer directly. */
public sealed interface RouteAction permits RouteAction.Forward, RouteAction.DirectResponse, RouteAction.Redirect {

    /** The route's kind, for config dumps. */
    String kind();

    /**
     * Forward to one of {@code clusters} chosen by weight (a weight of 0 is never chosen).
     * {@code clusterNotFoundStatus} answers when the chosen cluster is not defined; a zero timeout disables it.
     */
    record Forward(List<WeightedCluster> clusters, int clusterNotFoundStatus, Duration timeout, Rewrite rewrite,
            List<Mirror> mirrors, RetryPolicy retry, SessionPolicy session) implements RouteAction {
        public Forward {
            clusters = List.copyOf(requireNonNull(clusters, "clusters"));
            requireNonNull(timeout, "timeout");
            requireNonNull(rewrite, "rewrite");
            mirrors = List.copyOf(requireNonNull(mirrors, "mirrors"));
            if (clusters.isEmpty()) {
                throw new IllegalArgumentException("route action: at least one cluster is required");
            }
        }

        public Forward(List<WeightedCluster> clusters, int clusterNotFoundStatus, Duration timeout, Rewrite rewrite,
                List<Mirror> mirrors, RetryPolicy retry) {
            this(clusters, clusterNotFoundStatus, timeout, rewrite, mirrors, retry, null);
        }

        public Forward(List<WeightedCluster> clusters, int clusterNotFoundStatus, Duration timeout) {
            this(clusters, clusterNotFoundStatus, timeout, Rewrite.NONE, List.of(), null);
        }

        public static Forward to(String cluster) {
            return new Forward(List.of(new WeightedCluster(cluster, 1)), 503, Duration.ZERO);
        }

        @Override
        public String kind() {
            return "forward";
        }
    }

    /**
     * A weighted target with its own (backendRef-level) filters: header modifiers, a URL rewrite (used instead of the
     * route's; its parts that are null keep the route's) and a redirect ({@code null}: none) answered when it is picked.
     */
    record WeightedCluster(String name, int weight, HeaderMods requestHeaders, HeaderMods responseHeaders, Rewrite rewrite,
            Redirect redirect) {
        public WeightedCluster(String name, int weight) {
            this(name, weight, HeaderMods.NONE, HeaderMods.NONE);
        }

        public WeightedCluster(String name, int weight, HeaderMods requestHeaders, HeaderMods responseHeaders) {
            this(name, weight, requestHeaders, responseHeaders, Rewrite.NONE, null);
        }

        public WeightedCluster {
            requireNonNull(name, "name");
            requireNonNull(requestHeaders, "requestHeaders");
            requireNonNull(responseHeaders, "responseHeaders");
            requireNonNull(rewrite, "rewrite");
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

    /**
     * URL rewrites: {@code prefix} replaces the matched prefix (segment-wise), or {@code regex} with
     * {@code substitution} rewrites the path; {@code host} replaces the Host. Null means not set.
     */
    record Rewrite(String prefix, String regex, String substitution, String host) {
        public static final Rewrite NONE = new Rewrite(null, null, null, null);

        public Rewrite {
            if ((regex == null) != (substitution == null)) {
                throw new IllegalArgumentException("rewrite: regex and substitution go together");
            }
            if (prefix != null && regex != null) {
                throw new IllegalArgumentException("rewrite: prefix and regex exclude each other");
            }
        }

        public boolean isNone() {
            return prefix == null && regex == null && host == null;
        }
    }

    /** A request mirror to {@code cluster} for {@code numerator} out of {@code denominator} requests. */
    record Mirror(String cluster, int numerator, int denominator) {
        public Mirror {
            requireNonNull(cluster, "cluster");
            if (denominator <= 0 || numerator < 0) {
                throw new IllegalArgumentException("mirror " + cluster + ": fraction must be >= 0 over > 0");
            }
        }
    }

    /**
     * Retries: up to {@code numRetries} more attempts on a status in {@code statusCodes}, a connect failure or a
     * reset (as flagged); {@code perTryTimeout} bounds each attempt (zero: none); {@code backOffBase} between them.
     */
    record RetryPolicy(int numRetries, List<Integer> statusCodes, boolean onConnectFailure, boolean onReset,
            Duration perTryTimeout, Duration backOffBase) {
        public RetryPolicy {
            statusCodes = List.copyOf(requireNonNull(statusCodes, "statusCodes"));
            requireNonNull(perTryTimeout, "perTryTimeout");
            requireNonNull(backOffBase, "backOffBase");
            if (numRetries < 0) {
                throw new IllegalArgumentException("retry: num_retries must be >= 0, got " + numRetries);
            }
        }
    }

    /**
     * Answer with a redirect: {@code scheme}, {@code host}, {@code path} or {@code prefix} may be null (keep the
     * request's); {@code port} 0 keeps the request's.
     */
    record Redirect(String scheme, String host, int port, String path, String prefix, int status) implements RouteAction {
        public Redirect {
            if (path != null && prefix != null) {
                throw new IllegalArgumentException("redirect: path and prefix exclude each other");
            }
        }

        @Override
        public String kind() {
            return "redirect";
        }
    }
}
