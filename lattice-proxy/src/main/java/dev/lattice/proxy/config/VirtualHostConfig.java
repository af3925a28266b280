package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A virtual host: the domains it answers for (lower-cased) and its ordered routes. */
public record VirtualHostConfig(String name, List<String> domains, List<RouteConfig> routes) {
    public VirtualHostConfig {
        requireNonNull(name, "name");
        domains = List.copyOf(requireNonNull(domains, "domains"));
        routes = List.copyOf(requireNonNull(routes, "routes"));
    }
}
