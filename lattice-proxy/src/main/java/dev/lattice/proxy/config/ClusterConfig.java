package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * An upstream cluster with its static endpoints; {@code tls} null: plain TCP to the endpoints. {@code meshTls}
 * (null: none) is the mesh mTLS that the endpoints marked {@link Endpoint#mtls} get instead (Envoy's
 * {@code transport_socket_matches}, docs/xds.md "Outbound: auto mTLS"). {@code meshHttp2}: the mesh mTLS connections of
 * an HTTP/1.1 cluster may carry HTTP/2 (Envoy's {@code HttpProtocolOptions.auto_config} with ALPN {@code h2,
 * http/1.1} on the mesh transport socket): ALPN decides per connection; the other endpoints keep HTTP/1.1.
 */
public record ClusterConfig(
        String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout, List<Endpoint> endpoints,
        UpstreamTlsConfig tls, MeshTls meshTls, boolean meshHttp2) {
    /**
     * Mesh mTLS to an endpoint with a sidecar: this proxy's certificate, the SNI, and the SPIFFE IDs one of which the
     * peer must prove (empty: any identity of a trusted domain).
     */
    public record MeshTls(String sni, List<String> expectedIds) {
        public MeshTls {
            expectedIds = List.copyOf(expectedIds);
        }
    }

    public ClusterConfig(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
            List<Endpoint> endpoints, UpstreamTlsConfig tls, MeshTls meshTls) {
        this(name, lbPolicy, protocol, connectTimeout, endpoints, tls, meshTls, false);
    }

    public ClusterConfig(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
            List<Endpoint> endpoints, UpstreamTlsConfig tls) {
        this(name, lbPolicy, protocol, connectTimeout, endpoints, tls, null);
    }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST }

    public enum UpstreamProtocol { HTTP1, H2C }

    public ClusterConfig {
        requireNonNull(name, "name");
        requireNonNull(lbPolicy, "lbPolicy");
        requireNonNull(protocol, "protocol");
        requireNonNull(connectTimeout, "connectTimeout");
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        if (meshHttp2 && (meshTls == null || protocol != UpstreamProtocol.HTTP1)) {
            throw new IllegalArgumentException("cluster " + name + ": meshHttp2 needs mesh mTLS on an HTTP/1.1 cluster");
        }
    }

    /** A cluster without TLS. */
    public ClusterConfig(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout, List<Endpoint> endpoints) {
        this(name, lbPolicy, protocol, connectTimeout, endpoints, null);
    }

    /** An endpoint address; {@code mtls}: it has a sidecar and is reached by the cluster's {@link MeshTls}. */
    public record Endpoint(String host, int port, boolean mtls) {
        public Endpoint(String host, int port) {
            this(host, port, false);
        }

        public Endpoint {
            requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("endpoint " + host + ": port must be 1..65535, got " + port);
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
