package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A filter chain's HTTP connection manager: its inline route configuration and whether WebSocket upgrades pass. */
public record HttpChainConfig(String statPrefix, boolean stripAnyHostPort, String routeConfigName,
        List<VirtualHostConfig> virtualHosts, boolean websocket) {
    public HttpChainConfig {
        requireNonNull(statPrefix, "statPrefix");
        requireNonNull(routeConfigName, "routeConfigName");
        virtualHosts = List.copyOf(requireNonNull(virtualHosts, "virtualHosts"));
    }
}
