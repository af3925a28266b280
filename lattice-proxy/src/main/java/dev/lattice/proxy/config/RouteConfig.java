package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/** One route: its match and what to do when it matches. */
public record RouteConfig(String name, RouteMatch match, RouteAction action) {
    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
        requireNonNull(action, "action");
    }
}
