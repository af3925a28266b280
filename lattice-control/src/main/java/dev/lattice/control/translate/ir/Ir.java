package dev.lattice.control.translate.ir;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.ProxyId;
import java.util.List;

/**
 * The intermediate representation of what one proxy gets, between the model and xDS: listeners with their
 * virtual hosts and routes (already in match order), and clusters with their endpoints. Every type here is an
 * immutable record; {@link dev.lattice.control.translate.MeshTranslator} builds it and turns it into xDS.
 */
public final class Ir {
    private Ir() {}

    public record Proxy(ProxyId id, List<Listener> listeners, List<Cluster> clusters) {
        public Proxy {
            requireNonNull(id, "id");
            listeners = List.copyOf(listeners);
            clusters = List.copyOf(clusters);
        }
    }

    public enum Role {
        GATEWAY("gateway"), SIDECAR_OUTBOUND("sidecar-outbound"), SIDECAR_INBOUND("sidecar-inbound");

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * A listener. With {@code chains} empty it has one plain-HTTP filter chain: an HCM with these virtual hosts.
     * Otherwise those chains (TLS by SNI, passthrough); then the virtual hosts here are unused.
     */
    public record Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                           String routeConfigName, List<VirtualHost> virtualHosts, List<FilterChain> chains) {
        public Listener {
            requireNonNull(name, "name");
            requireNonNull(address, "address");
            requireNonNull(role, "role");
            requireNonNull(statPrefix, "statPrefix");
            requireNonNull(routeConfigName, "routeConfigName");
            virtualHosts = List.copyOf(virtualHosts);
            chains = List.copyOf(chains);
        }

        public Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                        String routeConfigName, List<VirtualHost> virtualHosts) {
            this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, List.of());
        }
    }

    /** A filter chain matched by SNI ({@code serverNames} empty: the default chain); {@code tls} null: no termination. */
    public record FilterChain(List<String> serverNames, TlsContext tls, ChainAction action) {
        public FilterChain {
            serverNames = List.copyOf(serverNames);
            requireNonNull(action, "action");
        }
    }

    /** Certificates (PEM chain and key) served when terminating TLS, and the ALPN protocols offered. */
    public record TlsContext(List<Certificate> certificates, List<String> alpn) {
        public TlsContext {
            certificates = List.copyOf(certificates);
            alpn = List.copyOf(alpn);
        }
    }

    public record Certificate(String chainPem, String keyPem) {
        public Certificate {
            requireNonNull(chainPem, "chainPem");
            requireNonNull(keyPem, "keyPem");
        }

        @Override
        public String toString() {
            return "Certificate[" + chainPem.length() + " chars of chain, key hidden]";
        }
    }

    public sealed interface ChainAction permits Hcm, TcpProxy {}

    /** An HTTP connection manager with its own route configuration. */
    public record Hcm(String statPrefix, boolean stripAnyHostPort, String routeConfigName, List<VirtualHost> virtualHosts)
            implements ChainAction {
        public Hcm {
            requireNonNull(statPrefix, "statPrefix");
            requireNonNull(routeConfigName, "routeConfigName");
            virtualHosts = List.copyOf(virtualHosts);
        }
    }

    /** Relays the connection's bytes to one of the weighted clusters. */
    public record TcpProxy(String statPrefix, List<WeightedCluster> clusters) implements ChainAction {
        public TcpProxy {
            requireNonNull(statPrefix, "statPrefix");
            clusters = List.copyOf(clusters);
            if (clusters.isEmpty()) throw new IllegalArgumentException("clusters must not be empty");
        }
    }

    public record VirtualHost(String name, List<String> domains, List<Route> routes) {
        public VirtualHost {
            requireNonNull(name, "name");
            domains = List.copyOf(domains);
            routes = List.copyOf(routes);
        }
    }

    public record Route(String name, Match match, Action action) {
        public Route {
            requireNonNull(name, "name");
            requireNonNull(match, "match");
            requireNonNull(action, "action");
        }
    }

    public enum PathKind { EXACT, PREFIX, PATH_SEPARATED_PREFIX, REGEX }

    public record Match(PathKind pathKind, String path, List<ValueMatch> headers, List<ValueMatch> queryParameters) {
        public Match {
            requireNonNull(pathKind, "pathKind");
            requireNonNull(path, "path");
            headers = List.copyOf(headers);
            queryParameters = List.copyOf(queryParameters);
        }
    }

    public record ValueMatch(String name, boolean regex, String value) {
        public ValueMatch {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
        }
    }

    public sealed interface Action permits Forward, DirectResponse {}

    /**
     * Forward to weighted clusters (weights > 0). A backend found invalid is a cluster named
     * {@code lattice.invalid/<reason>}; then {@code invalidBackends} is true and a missing cluster answers 500.
     */
    public record Forward(List<WeightedCluster> clusters, boolean invalidBackends) implements Action {
        public Forward {
            clusters = List.copyOf(clusters);
            if (clusters.isEmpty()) throw new IllegalArgumentException("clusters must not be empty");
        }
    }

    public record DirectResponse(int status, String body) implements Action {
        public DirectResponse {
            requireNonNull(body, "body");
        }
    }

    public record WeightedCluster(String name, int weight) {
        public WeightedCluster {
            requireNonNull(name, "name");
        }
    }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST }

    public record Cluster(String name, LbPolicy lbPolicy, boolean h2c, List<Endpoint> endpoints) {
        public Cluster {
            requireNonNull(name, "name");
            requireNonNull(lbPolicy, "lbPolicy");
            endpoints = List.copyOf(endpoints);
        }
    }

    public record Endpoint(String address, int port) {
        public Endpoint {
            requireNonNull(address, "address");
        }
    }
}
