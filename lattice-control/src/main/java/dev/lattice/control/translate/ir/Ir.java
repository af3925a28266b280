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

    public record Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                           String routeConfigName, List<VirtualHost> virtualHosts) {
        public Listener {
            requireNonNull(name, "name");
            requireNonNull(address, "address");
            requireNonNull(role, "role");
            requireNonNull(statPrefix, "statPrefix");
            requireNonNull(routeConfigName, "routeConfigName");
            virtualHosts = List.copyOf(virtualHosts);
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
