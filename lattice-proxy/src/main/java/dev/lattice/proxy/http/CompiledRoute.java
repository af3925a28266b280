package dev.lattice.proxy.http;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.StringMatch;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** A route compiled for the request path: patterns compiled once, targets resolved to clusters. */
public final class CompiledRoute {
    final RouteConfig config;
    final PathMatch.Kind pathKind;
    final String pathValue;
    final Pattern pathPattern;
    public final Matcher[] headers;
    public final Matcher[] queries;
    // action: direct response
    final boolean direct;
    final int directStatus;
    final byte[] directBody;
    // action: forward
    final Target[] targets;
    final int totalWeight;
    /** Draws for the weighted targets and the mirror percentages. */
    final Spread spread = new Spread();
    final int clusterNotFoundStatus;
    final long timeoutMillis;
    // filters (null when absent): the request path does no work for a route without them
    final RouteAction.Redirect redirect;
    final RouteFilters.HeaderOps requestOps;
    final RouteFilters.HeaderOps responseOps;
    final RouteFilters.Cors cors;
    final RouteFilters.Rewrite rewrite;
    final Mirror[] mirrors;
    final Retry retry;
    final SessionPersistence session;
    /** Any response-side work: response header modifiers here or on a target, or CORS. */
    final boolean responseFilters;

    public CompiledRoute(RouteConfig config, Matcher[] headers, Matcher[] queries, Target[] targets, int totalWeight,
            int clusterNotFoundStatus, long timeoutMillis, int directStatus, String directBody) {
        this(config, headers, queries, targets, totalWeight, clusterNotFoundStatus, timeoutMillis, directStatus,
                directBody, null, null);
    }

    public CompiledRoute(RouteConfig config, Matcher[] headers, Matcher[] queries, Target[] targets, int totalWeight,
            int clusterNotFoundStatus, long timeoutMillis, int directStatus, String directBody, Mirror[] mirrors,
            Retry retry) {
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
        this.redirect = config.action() instanceof RouteAction.Redirect r ? r : null;
        this.requestOps = RouteFilters.HeaderOps.of(config.requestHeaders());
        this.responseOps = RouteFilters.HeaderOps.of(config.responseHeaders());
        this.cors = config.cors() == null ? null : new RouteFilters.Cors(config.cors());
        RouteAction.Rewrite rw = config.action() instanceof RouteAction.Forward f ? f.rewrite() : RouteAction.Rewrite.NONE;
        this.rewrite = rw.isNone() ? null : new RouteFilters.Rewrite(rw);
        this.mirrors = mirrors == null || mirrors.length == 0 ? null : mirrors;
        this.retry = retry;
        this.session = config.action() instanceof RouteAction.Forward f && f.session() != null
                ? new SessionPersistence(f.session()) : null;
        boolean targetResponse = false;
        if (targets != null) {
            for (Target t : targets) {
                targetResponse |= t.responseOps() != null;
            }
        }
        this.responseFilters = responseOps != null || cors != null || targetResponse;
    }

    /** A request mirror: {@code cluster} is null when CDS does not define it (then nothing is sent). */
    public record Mirror(String name, ClusterRuntime cluster, int numerator, int denominator) {}

    /** A compiled retry policy; {@code statuses[code]} marks a retriable status. */
    public static final class Retry {
        final int numRetries;
        final boolean[] statuses = new boolean[600];
        final boolean onConnectFailure;
        final boolean onReset;
        final long perTryMillis;
        final long backOffMillis;

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

        boolean retriable(int status) {
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
     * A weighted target; {@code cluster} is null when no CDS resource defines it. Its own filters (null when none):
     * header modifiers, a rewrite (already merged with the route's: it replaces the route's for this target) and a
     * redirect answered instead of forwarding.
     */
    public record Target(String name, int weight, ClusterRuntime cluster, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters,
            RouteFilters.HeaderOps requestOps, RouteFilters.HeaderOps responseOps, RouteFilters.Rewrite rewrite,
            RouteAction.Redirect redirect) {
        Target(String name, int weight, ClusterRuntime cluster, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters) {
            this(name, weight, cluster, counters, null, null, null, null);
        }
    }

    /**
     * The target and endpoint that a session key names, as {@code {target index, endpoint index}}, or null when no
     * target's cluster has that endpoint.
     */
    int[] sessionTarget(String key) {
        for (int t = 0; t < targets.length; t++) {
            ClusterRuntime c = targets[t].cluster();
            if (c == null || targets[t].weight() == 0) {
                continue;
            }
            String[] keys = c.endpointKeys;
            for (int e = 0; e < keys.length; e++) {
                if (keys[e].equals(key)) {
                    return new int[] {t, e};
                }
            }
        }
        return null;
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
