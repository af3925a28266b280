package dev.lattice.proxy.http;

import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.StringMatch;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** A route compiled for the request path: patterns compiled once, targets resolved to clusters. */
final class CompiledRoute {
    final RouteConfig config;
    final PathMatch.Kind pathKind;
    final String pathValue;
    final Pattern pathPattern;
    final Matcher[] headers;
    final Matcher[] queries;
    // action: direct response
    final boolean direct;
    final int directStatus;
    final byte[] directBody;
    // action: forward
    final Target[] targets;
    final int totalWeight;
    final int clusterNotFoundStatus;
    final long timeoutMillis;

    CompiledRoute(RouteConfig config, Matcher[] headers, Matcher[] queries, Target[] targets, int totalWeight,
            int clusterNotFoundStatus, long timeoutMillis, int directStatus, String directBody) {
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
        this.direct = targets == null;
        this.directStatus = directStatus;
        this.directBody = directBody == null ? null : directBody.getBytes(StandardCharsets.UTF_8);
    }

    /** Path match on {@code uri[0, pathEnd)}. */
    boolean matchesPath(String uri, int pathEnd) {
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

    /** A weighted target; {@code cluster} is null when no CDS resource defines it. */
    record Target(String name, int weight, ClusterRuntime cluster, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters) {}

    /** A compiled string matcher on a header or query parameter. */
    static final class Matcher {
        final String name;
        final StringMatch.Kind kind;
        final String value;
        final boolean ignoreCase;
        final Pattern pattern;

        Matcher(String name, StringMatch m) {
            this.name = name;
            this.kind = m.kind();
            this.value = m.value();
            this.ignoreCase = m.ignoreCase();
            this.pattern = m.kind() == StringMatch.Kind.REGEX ? Pattern.compile(m.value()) : null;
        }

        boolean matches(CharSequence v) {
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
