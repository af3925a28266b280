package dev.lattice.proxy.filter;

import dev.lattice.proxy.filter.cors.CorsHttpFilterFactory;
import dev.lattice.proxy.filter.rbac.RbacHttpFilterFactory;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The HTTP filters this proxy runs, by the type URL of their config. The router (the terminal filter) and stateful
 * session (whose per-route config needs the route's clusters, so the route table compiles it) are not here: the
 * connection manager's parser knows them.
 */
public final class HttpFilterRegistry {
    private static final Map<String, HttpFilterFactory> FACTORIES = List.<HttpFilterFactory>of(new CorsHttpFilterFactory(),
            new dev.lattice.proxy.filter.jwt.JwtHttpFilterFactory(), new RbacHttpFilterFactory(),
            new dev.lattice.proxy.filter.ratelimit.RateLimitHttpFilterFactory(),
            new dev.lattice.proxy.filter.ratelimit.GlobalRateLimitHttpFilterFactory(),
            new dev.lattice.proxy.filter.validation.ValidationHttpFilterFactory())
            .stream().collect(Collectors.toUnmodifiableMap(HttpFilterFactory::typeUrl, Function.identity()));

    private static final Map<String, HttpFilterFactory> PER_ROUTE = FACTORIES.values().stream()
            .filter(f -> f.perRouteTypeUrl() != null)
            .collect(Collectors.toUnmodifiableMap(HttpFilterFactory::perRouteTypeUrl, Function.identity()));

    private HttpFilterRegistry() {}

    /** The factory whose per-route config has this type URL, or null. */
    public static HttpFilterFactory perRoute(String typeUrl) {
        return PER_ROUTE.get(typeUrl);
    }

    /** The factory for a config type URL, or null. */
    public static HttpFilterFactory get(String typeUrl) {
        return FACTORIES.get(typeUrl);
    }

    /** The type URLs known, sorted, for error messages. */
    public static List<String> typeUrls() {
        return FACTORIES.keySet().stream().sorted().toList();
    }
}
