package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/** An upstream cluster with its static endpoints; {@code tls} null: plain TCP to the endpoints. */
public record ClusterConfig(
        String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout, List<Endpoint> endpoints,
        UpstreamTlsConfig tls) {
    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST }

    public enum UpstreamProtocol { HTTP1, H2C }

    public ClusterConfig {
        requireNonNull(name, "name");
        requireNonNull(lbPolicy, "lbPolicy");
        requireNonNull(protocol, "protocol");
        requireNonNull(connectTimeout, "connectTimeout");
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
    }

    /** A cluster without TLS. */
    public ClusterConfig(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout, List<Endpoint> endpoints) {
        this(name, lbPolicy, protocol, connectTimeout, endpoints, null);
    }

    /** An endpoint address. */
    public record Endpoint(String host, int port) {
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
