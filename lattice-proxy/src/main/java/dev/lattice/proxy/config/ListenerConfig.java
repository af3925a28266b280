package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One listener: where it binds and its inline route configuration. {@code port} 0 binds a free port (tests).
 */
public record ListenerConfig(
        String name,
        String address,
        int port,
        String role,
        String statPrefix,
        boolean stripAnyHostPort,
        String routeConfigName,
        List<VirtualHostConfig> virtualHosts) {
    public ListenerConfig {
        requireNonNull(name, "name");
        requireNonNull(address, "address");
        requireNonNull(role, "role");
        requireNonNull(statPrefix, "statPrefix");
        requireNonNull(routeConfigName, "routeConfigName");
        virtualHosts = List.copyOf(requireNonNull(virtualHosts, "virtualHosts"));
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
}
