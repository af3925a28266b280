package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One filter chain of a listener: the SNI names it is chosen for (empty: the default chain), its TLS termination
 * ({@code tls}, null for plain or passthrough) and exactly one of an HTTP connection manager ({@code http}) or a
 * TCP proxy ({@code tcpProxy}: TLS passthrough without {@code tls}; with it, TLS ends at the proxy and the decrypted
 * stream is relayed). {@code name} names it in errors and config dumps. {@code transportProtocol} is Envoy's
 * {@code filter_chain_match.transport_protocol}: {@code ""} (any), {@code "tls"} (the first bytes are a TLS
 * ClientHello) or {@code "raw_buffer"} (they are not). {@code meshTls}: the chain terminates mesh mTLS with the proxy's
 * own certificate (SDS secret {@code default}), a client certificate required and verified by SPIFFE against the
 * bundles of SDS secret {@code ROOTCA} ({@code tls} is then null). {@code connectionLimit}: the chain's
 * connection_limit network filter (null: none).
 */
public record FilterChainConfig(String name, List<String> serverNames, TlsConfig tls, HttpChainConfig http,
        TcpProxyConfig tcpProxy, String transportProtocol, boolean meshTls, ConnectionLimit connectionLimit) {
    public static final String TLS = "tls";
    public static final String RAW_BUFFER = "raw_buffer";

    public FilterChainConfig {
        requireNonNull(name, "name");
        serverNames = List.copyOf(requireNonNull(serverNames, "serverNames"));
        requireNonNull(transportProtocol, "transportProtocol");
        if ((http == null) == (tcpProxy == null)) {
            throw new IllegalArgumentException("filter chain " + name + ": exactly one of http and tcpProxy is required");
        }
        if (meshTls && tls != null) {
            throw new IllegalArgumentException("filter chain " + name + ": mesh TLS and inline TLS at once");
        }
    }

    /** Without a connection limit. */
    public FilterChainConfig(String name, List<String> serverNames, TlsConfig tls, HttpChainConfig http,
            TcpProxyConfig tcpProxy, String transportProtocol, boolean meshTls) {
        this(name, serverNames, tls, http, tcpProxy, transportProtocol, meshTls, null);
    }

    /** A chain for any transport protocol, without mesh TLS. */
    public FilterChainConfig(String name, List<String> serverNames, TlsConfig tls, HttpChainConfig http,
            TcpProxyConfig tcpProxy) {
        this(name, serverNames, tls, http, tcpProxy, "", false);
    }

    /** Whether the chain terminates TLS (inline certificates or mesh mTLS). */
    public boolean terminatesTls() {
        return tls != null || meshTls;
    }

    /** A plain HTTP chain without server names. */
    public static FilterChainConfig plainHttp(String name, HttpChainConfig http) {
        return new FilterChainConfig(name, List.of(), null, http, null);
    }
}
