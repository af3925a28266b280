package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/**
 * One route: its match, what to do when it matches, its header modifiers, its CORS policy ({@code cors} may be
 * null) and the per-route configs of the connection manager's registry filters, by filter name ({@code filterConfigs},
 * parsed by each filter's factory).
 */
public record RouteConfig(String name, RouteMatch match, RouteAction action, HeaderMods requestHeaders,
        HeaderMods responseHeaders, CorsPolicy cors, java.util.Map<String, Object> filterConfigs) {
    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
        requireNonNull(action, "action");
        requireNonNull(requestHeaders, "requestHeaders");
        requireNonNull(responseHeaders, "responseHeaders");
        filterConfigs = java.util.Map.copyOf(filterConfigs);
    }

    /** Without per-route configs of registry filters. */
    public RouteConfig(String name, RouteMatch match, RouteAction action, HeaderMods requestHeaders,
                       HeaderMods responseHeaders, CorsPolicy cors) {
        this(name, match, action, requestHeaders, responseHeaders, cors, java.util.Map.of());
    }

    public RouteConfig(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, HeaderMods.NONE, HeaderMods.NONE, null);
    }
}
