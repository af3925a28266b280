package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One listener: where it binds and its inline route configuration. {@code port} 0 binds a free port (tests).
 *
 * <p>{@code filterChains} empty: the listener is one plain HTTP chain made of the top-level fields (the form of
 * issue #2). Otherwise the chains are authoritative (chosen by SNI when {@code tlsInspector}) and the top-level
 * route fields mirror the listener's first HTTP chain, for dumps and tools.
 */
public record ListenerConfig(
        String name,
        String address,
        int port,
        String role,
        String statPrefix,
        boolean stripAnyHostPort,
        String routeConfigName,
        List<VirtualHostConfig> virtualHosts,
        List<FilterChainConfig> filterChains,
        boolean tlsInspector) {
    /** A listener with one plain HTTP chain (no TLS, no SNI). */
    public ListenerConfig(String name, String address, int port, String role, String statPrefix,
            boolean stripAnyHostPort, String routeConfigName, List<VirtualHostConfig> virtualHosts) {
        this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, List.of(), false);
    }

    public ListenerConfig {
        requireNonNull(name, "name");
        requireNonNull(address, "address");
        requireNonNull(role, "role");
        requireNonNull(statPrefix, "statPrefix");
        requireNonNull(routeConfigName, "routeConfigName");
        virtualHosts = List.copyOf(requireNonNull(virtualHosts, "virtualHosts"));
        filterChains = List.copyOf(requireNonNull(filterChains, "filterChains"));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listener " + name + ": port must be 0..65535, got " + port);
        }
    }

    /**
     * The bind key: a listener whose key is unchanged is never rebound. Port 0 (a free port, for tests) is keyed by
     * name too, so that several such listeners can coexist.
     */
    public String bindKey() {
        return port == 0 ? address + ":0#" + name : address + ":" + port;
    }

    /** The chains: {@link #filterChains}, or the one plain HTTP chain of the top-level fields. */
    public List<FilterChainConfig> effectiveChains() {
        if (!filterChains.isEmpty()) {
            return filterChains;
        }
        return List.of(FilterChainConfig.plainHttp(name,
                new HttpChainConfig(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, false)));
    }
}
