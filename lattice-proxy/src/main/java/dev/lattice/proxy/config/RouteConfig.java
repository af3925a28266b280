package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/**
 * One route: its match, what to do when it matches, its header modifiers and its CORS policy ({@code cors} may be
 * null).
 */
public record RouteConfig(String name, RouteMatch match, RouteAction action, HeaderMods requestHeaders,
        HeaderMods responseHeaders, CorsPolicy cors) {
    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
        requireNonNull(action, "action");
        requireNonNull(requestHeaders, "requestHeaders");
        requireNonNull(responseHeaders, "responseHeaders");
    }

    public RouteConfig(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, HeaderMods.NONE, HeaderMods.NONE, null);
    }
}
