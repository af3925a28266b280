package dev.lattice.proxy.filter.ratelimit;

import com.google.protobuf.Any;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Lattice's global rate-limit filter ({@code lattice.filters.http.ratelimit.v1.GlobalRateLimit} in
 * {@code http_filters}, naming the mesh's Redis; each governed route's {@code GlobalRateLimitPerRoute} in its
 * {@code typed_per_filter_config}; docs/xds.md "Rate limits"): the route's global rules are counted in Redis, shared
 * by every proxy of the mesh ({@link RedisLimiter}, {@link GlobalRouteLimits}). A route without global rules passes
 * at once.
 */
public final class GlobalRateLimitHttpFilterFactory implements HttpFilterFactory {
    static final String TYPE_URL = "type.googleapis.com/lattice.filters.http.ratelimit.v1.GlobalRateLimit";
    static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/lattice.filters.http.ratelimit.v1.GlobalRateLimitPerRoute";
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);

    /** The listener's settings: where Redis is, how long a call may take. */
    record Settings(String host, int port, Duration timeout) {}

    /** The runtime filter of one listener: the route's rules against the proxy's connection to {@code redis}. */
    record GlobalFilter(RedisLimiter redis) implements HttpFilter {
        @Override
        public LocalReply onRequestHeaders(RequestView request) {
            return null;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
            return routeConfig instanceof GlobalRouteLimits l ? l.check(request, redis) : null;
        }
    }

    /**
     * The proxy's event loops, for the Redis connection to run on (instead of threads of its own); set once the data
     * plane exists, before any config is compiled.
     */
    public static void shareEventLoops(io.netty.channel.EventLoopGroup loops) {
        RedisLimiter.shareEventLoops(loops);
    }

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        GlobalRateLimit c = HttpFilterFactory.unpack(resource, path, typedConfig, GlobalRateLimit.class);
        return settings(resource, path, c);
    }

    static Settings settings(String resource, String path, GlobalRateLimit c) throws XdsRejection {
        String a = c.getRedisAddress();
        int colon = a.lastIndexOf(':');
        String bad = path + ".redis_address: must be host:port, not \"" + a + "\"";
        if (colon <= 0 || colon == a.length() - 1) throw new XdsRejection(resource, bad);
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty() || host.contains("[") || host.contains("]")) throw new XdsRejection(resource, bad);
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new XdsRejection(resource, bad);
        }
        if (port < 1 || port > 65535) throw new XdsRejection(resource, path + ".redis_address: the port must be 1..65535, not " + port);
        if (c.getTimeoutMs() > 10_000) throw new XdsRejection(resource, path + ".timeout_ms: at most 10000");
        return new Settings(host, port, c.getTimeoutMs() == 0 ? DEFAULT_TIMEOUT : Duration.ofMillis(c.getTimeoutMs()));
    }

    @Override
    public String perRouteTypeUrl() {
        return PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        return compile(resource, path, HttpFilterFactory.unpack(resource, path, typedConfig, GlobalRateLimitPerRoute.class));
    }

    static GlobalRouteLimits compile(String resource, String path, GlobalRateLimitPerRoute c) throws XdsRejection {
        if (c.getPolicy().isEmpty()) throw new XdsRejection(resource, path + ".policy: required");
        List<GlobalRule> rules = new ArrayList<>();
        for (int i = 0; i < c.getRulesCount(); i++) {
            Rule r = c.getRules(i);
            RateLimitHttpFilterFactory.RuleParts parts =
                    RateLimitHttpFilterFactory.ruleParts(resource, path + ".rules[" + i + "]", r);
            rules.add(new GlobalRule(c.getPolicy(), i, r.getRequests(), r.getUnitSeconds(), r.getBurst(),
                    parts.selectors(), parts.signature()));
        }
        return new GlobalRouteLimits(c.getPolicy(), c.getFailClosed(), rules);
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        Buckets.bind(metrics);
        Settings s = (Settings) config;
        return new GlobalFilter(RedisLimiter.of(s.host(), s.port(), s.timeout()));
    }
}
