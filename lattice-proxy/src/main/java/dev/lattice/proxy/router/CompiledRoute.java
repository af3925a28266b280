package dev.lattice.proxy.router;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.StringMatch;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.router.Spread;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** A route compiled for the request path: patterns compiled once, targets resolved to clusters. */
public final class CompiledRoute {
    public final RouteConfig config;
    final PathMatch.Kind pathKind;
    final String pathValue;
    final Pattern pathPattern;
    public final Matcher[] headers;
    public final Matcher[] queries;
    // action: direct response
    public final boolean direct;
    public final int directStatus;
    public final byte[] directBody;
    // action: forward
    public final Target[] targets;
    public final int totalWeight;
    /** Draws for the weighted targets (shared with the route's mirror filter for its fractions). */
    public final Spread spread;
    public final int clusterNotFoundStatus;
    public final long timeoutMillis;
    /**
     * The route's own filters, run once it is matched (and the listener's filters let the request go on), before a
     * backend is picked: its redirect, session persistence, CORS. Null when it has none: such a route pays nothing.
     */
    public final HttpFilter[] filters;
    public final Retry retry;

    public CompiledRoute(RouteConfig config, Matcher[] headers, Matcher[] queries, Target[] targets, int totalWeight,
            int clusterNotFoundStatus, long timeoutMillis, int directStatus, String directBody) {
        this(config, headers, queries, targets, totalWeight, clusterNotFoundStatus, timeoutMillis, directStatus,
                directBody, null, null, null);
    }

    public CompiledRoute(RouteConfig config, Matcher[] headers, Matcher[] queries, Target[] targets, int totalWeight,
            int clusterNotFoundStatus, long timeoutMillis, int directStatus, String directBody, HttpFilter[] filters,
            Retry retry, Spread spread) {
        this.config = config;
        this.pathKind = config.match().path().kind();
        this.pathValue = config.match().path().value();
        this.pathPattern = pathKind == PathMatch.Kind.REGEX ? Pattern.compile(pathValue) : null;
        this.headers = headers;
        this.queries = queries;
        this.targets = targets;
        this.totalWeight = totalWeight;
        this.clusterNotFoundStatus = clusterNotFoundStatus;
        this.timeoutMillis = timeoutMillis;
        this.direct = targets == null && !(config.action() instanceof RouteAction.Redirect);
        this.directStatus = directStatus;
        this.directBody = directBody == null ? null : directBody.getBytes(StandardCharsets.UTF_8);
        this.filters = filters == null || filters.length == 0 ? null : filters;
        this.retry = retry;
        this.spread = spread == null ? new Spread() : spread;
    }

    /** A compiled retry policy; {@code statuses[code]} marks a retriable status. */
    public static final class Retry {
        public final int numRetries;
        final boolean[] statuses = new boolean[600];
        public final boolean onConnectFailure;
        public final boolean onReset;
        public final long perTryMillis;
        public final long backOffMillis;

        public Retry(RouteAction.RetryPolicy p) {
            this.numRetries = p.numRetries();
            for (int c : p.statusCodes()) {
                statuses[c] = true;
            }
            this.onConnectFailure = p.onConnectFailure();
            this.onReset = p.onReset();
            this.perTryMillis = p.perTryTimeout().toMillis();
            this.backOffMillis = p.backOffBase().toMillis();
        }

        public boolean retriable(int status) {
            return status >= 0 && status < 600 && statuses[status];
        }
    }

    /** Path match on {@code uri[0, pathEnd)}. */
    public boolean matchesPath(String uri, int pathEnd) {
        return switch (pathKind) {
            case PREFIX -> uri.startsWith(pathValue) && pathValue.length() <= pathEnd;
            case EXACT -> pathEnd == pathValue.length() && uri.startsWith(pathValue);
            case PATH_SEPARATED_PREFIX -> {
                int n = pathValue.length();
                yield n <= pathEnd && uri.startsWith(pathValue) && (n == pathEnd || uri.charAt(n) == '/');
            }
            case REGEX -> pathPattern.matcher(pathEnd == uri.length() ? uri : uri.substring(0, pathEnd)).matches();
        };
    }

    /**
     * A weighted target; {@code cluster} is null when no CDS resource defines it. Its filters (null when none):
     * {@code filters} run when it is picked, before the router's checks (a backend's redirect);
     * {@code upstreamFilters} on the request on its way to it, after the hop-by-hop headers are gone: the route's and
     * the backend's header modifiers, the route's mirrors, the URL rewrite (the backend's merged with the route's).
     */
    public record Target(String name, int weight, ClusterRuntime cluster, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters,
            HttpFilter[] filters, HttpFilter[] upstreamFilters) {
        Target(String name, int weight, ClusterRuntime cluster, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters) {
            this(name, weight, cluster, counters, null, null);
        }
    }

    /** A compiled string matcher on a header or query parameter. */
    public static final class Matcher {
        public final String name;
        final StringMatch.Kind kind;
        final String value;
        final boolean ignoreCase;
        final Pattern pattern;

        public Matcher(String name, StringMatch m) {
            this.name = name;
            this.kind = m.kind();
            this.value = m.value();
            this.ignoreCase = m.ignoreCase();
            this.pattern = m.kind() == StringMatch.Kind.REGEX ? Pattern.compile(m.value()) : null;
        }

        public boolean matches(CharSequence v) {
            if (v == null) {
                return false;
            }
            if (kind == StringMatch.Kind.EXACT) {
                return ignoreCase ? value.contentEquals(v) || value.equalsIgnoreCase(v.toString()) : value.contentEquals(v);
            }
            return pattern.matcher(v).matches();
        }
    }
}
