package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One filter chain of a listener: the SNI names it is chosen for (empty: the default chain), its TLS termination
 * ({@code tls}, null for plain or passthrough) and exactly one of an HTTP connection manager ({@code http}) or a
 * TCP proxy ({@code tcpProxy}: TLS passthrough without {@code tls}; with it, TLS ends at the proxy and the decrypted
 * stream is relayed). {@code name} names it in errors and config dumps.
 */
public record FilterChainConfig(String name, List<String> serverNames, TlsConfig tls, HttpChainConfig http,
        TcpProxyConfig tcpProxy) {
    public FilterChainConfig {
        requireNonNull(name, "name");
        serverNames = List.copyOf(requireNonNull(serverNames, "serverNames"));
        if ((http == null) == (tcpProxy == null)) {
            throw new IllegalArgumentException("filter chain " + name + ": exactly one of http and tcpProxy is required");
        }
    }

    /** A plain HTTP chain without server names. */
    public static FilterChainConfig plainHttp(String name, HttpChainConfig http) {
        return new FilterChainConfig(name, List.of(), null, http, null);
    }
}
