package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A filter chain's HTTP connection manager: its inline route configuration, whether WebSocket upgrades pass, and its
 * HTTP filters before the router, in order (empty: the router only), and its client timeouts and HTTP/2 stream limit.
 */
public record HttpChainConfig(String statPrefix, boolean stripAnyHostPort, String routeConfigName,
        List<VirtualHostConfig> virtualHosts, boolean websocket, List<HttpFilterConfig> httpFilters,
        ClientTraffic clientTraffic) {
    public HttpChainConfig {
        requireNonNull(clientTraffic, "clientTraffic");
        requireNonNull(statPrefix, "statPrefix");
        requireNonNull(routeConfigName, "routeConfigName");
        virtualHosts = List.copyOf(requireNonNull(virtualHosts, "virtualHosts"));
        httpFilters = List.copyOf(requireNonNull(httpFilters, "httpFilters"));
    }

    /** With the default client timeouts ({@link ClientTraffic#DEFAULTS}). */
    public HttpChainConfig(String statPrefix, boolean stripAnyHostPort, String routeConfigName,
            List<VirtualHostConfig> virtualHosts, boolean websocket, List<HttpFilterConfig> httpFilters) {
        this(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, websocket, httpFilters, ClientTraffic.DEFAULTS);
    }

    /** Without HTTP filters. */
    public HttpChainConfig(String statPrefix, boolean stripAnyHostPort, String routeConfigName,
            List<VirtualHostConfig> virtualHosts, boolean websocket) {
        this(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, websocket, List.of());
    }
}
