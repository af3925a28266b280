package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/**
 * One route: its match, what to do when it matches, its header modifiers, and the per-route configs of the connection
 * manager's registry filters (CORS, RBAC), by filter name ({@code filterConfigs}, parsed by each filter's factory).
 */
public record RouteConfig(String name, RouteMatch match, RouteAction action, HeaderMods requestHeaders,
        HeaderMods responseHeaders, java.util.Map<String, Object> filterConfigs) {
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
                       HeaderMods responseHeaders) {
        this(name, match, action, requestHeaders, responseHeaders, java.util.Map.of());
    }

    public RouteConfig(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, HeaderMods.NONE, HeaderMods.NONE);
    }
}
