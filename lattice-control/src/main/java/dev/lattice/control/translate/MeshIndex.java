package dev.lattice.control.translate;

import dev.lattice.model.Gateway;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.GrpcRoute;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.MeshObject;
import dev.lattice.model.Models;
import dev.lattice.model.Namespace;
import dev.lattice.model.ReferenceGrant;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Secret;
import dev.lattice.model.Service;
import dev.lattice.model.TlsRoute;
import dev.lattice.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The typed, valid objects of a set of resources, with lookups. Resources that do not validate are left out. */
final class MeshIndex {
    /** Every namespace carries this label with its own name, as Kubernetes sets it. */
    static final String NAME_LABEL = "kubernetes.io/metadata.name";

    final Map<ResourceKey, Resource> resources = new HashMap<>();
    final Map<String, GatewayClass> classes = new TreeMap<>();
    final List<Gateway> gateways = new ArrayList<>();
    final List<HttpRoute> routes = new ArrayList<>();
    final Map<String, Service> services = new TreeMap<>();
    final List<Workload> workloads = new ArrayList<>();
    final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    final Map<String, List<ReferenceGrant>> grants = new HashMap<>();
    final Map<String, Secret> secrets = new TreeMap<>();
    /** ConfigMaps by "namespace/name" (a Gateway's frontend CA bundles). */
    final Map<String, dev.lattice.model.ConfigMap> configMaps = new TreeMap<>();
    final List<TlsRoute> tlsRoutes = new ArrayList<>();
    final List<dev.lattice.model.TcpRoute> tcpRoutes = new ArrayList<>();
    final List<GrpcRoute> grpcRoutes = new ArrayList<>();
    /** ListenerSets in precedence order: oldest creationTimestamp first, then "namespace/name". */
    final List<dev.lattice.model.ListenerSet> listenerSets = new ArrayList<>();
    final List<dev.lattice.model.BackendTlsPolicy> backendTlsPolicies = new ArrayList<>();
    /** EndpointSlices by "namespace/service" (their kubernetes.io/service-name label), in name order. */
    final Map<String, List<dev.lattice.model.EndpointSlice>> endpointSlices = new TreeMap<>();

    /** MeshConfigs, oldest first (the first is the one that counts). */
    final List<dev.lattice.model.MeshConfig> meshConfigs = new ArrayList<>();
    final List<dev.lattice.model.MtlsPolicy> mtlsPolicies = new ArrayList<>();
    final List<dev.lattice.model.AuthorizationPolicy> authorizationPolicies = new ArrayList<>();
    final List<dev.lattice.model.RateLimitPolicy> rateLimitPolicies = new ArrayList<>();
    /** JWTPolicies, oldest first (RoutePolicies: the oldest wins among equally specific ones). */
    final List<dev.lattice.model.JwtPolicy> jwtPolicies = new ArrayList<>();
    final List<dev.lattice.model.TrafficTarget> trafficTargets = new ArrayList<>();
    /** ClientTrafficPolicies, oldest first (RoutePolicies: the oldest wins among equally specific ones). */
    final List<dev.lattice.model.ClientTrafficPolicy> clientTrafficPolicies = new ArrayList<>();
    /** RequestValidationPolicies, oldest first. */
    final List<dev.lattice.model.RequestValidationPolicy> requestValidationPolicies = new ArrayList<>();
    /** SMI HTTPRouteGroups and TCPRoutes by "namespace/name". */
    final Map<String, dev.lattice.model.HttpRouteGroup> httpRouteGroups = new TreeMap<>();
    final Map<String, dev.lattice.model.SmiTcpRoute> smiTcpRoutes = new TreeMap<>();

    MeshIndex(List<Resource> input) {
        for (Resource r : input) {
            Models.Parsed p = Models.read(r);
            if (!p.valid()) continue;
            resources.put(r.key(), r);
            MeshObject o = p.value();
            switch (o) {
                case GatewayClass c -> classes.put(c.meta().name(), c);
                case Gateway g -> gateways.add(g);
                case HttpRoute h -> routes.add(h);
                case Service s -> services.put(s.meta().namespace() + "/" + s.meta().name(), s);
                case Workload w -> workloads.add(w);
                case Namespace n -> namespaceLabels.put(n.meta().name(), n.meta().labels());
                case ReferenceGrant g -> grants.computeIfAbsent(g.meta().namespace(), k -> new ArrayList<>()).add(g);
                case Secret s -> secrets.put(s.meta().namespace() + "/" + s.meta().name(), s);
                case dev.lattice.model.ConfigMap c -> configMaps.put(c.meta().namespace() + "/" + c.meta().name(), c);
                case TlsRoute t -> tlsRoutes.add(t);
                case dev.lattice.model.TcpRoute t -> tcpRoutes.add(t);
                case GrpcRoute g -> grpcRoutes.add(g);
                case dev.lattice.model.ListenerSet l -> listenerSets.add(l);
                case dev.lattice.model.BackendTlsPolicy b -> backendTlsPolicies.add(b);
                case dev.lattice.model.MeshConfig m -> meshConfigs.add(m);
                case dev.lattice.model.MtlsPolicy m -> mtlsPolicies.add(m);
                case dev.lattice.model.AuthorizationPolicy a -> authorizationPolicies.add(a);
                case dev.lattice.model.RateLimitPolicy rl -> rateLimitPolicies.add(rl);
                case dev.lattice.model.JwtPolicy j -> jwtPolicies.add(j);
                case dev.lattice.model.TrafficTarget t -> trafficTargets.add(t);
                case dev.lattice.model.ClientTrafficPolicy c -> clientTrafficPolicies.add(c);
                case dev.lattice.model.RequestValidationPolicy v -> requestValidationPolicies.add(v);
                case dev.lattice.model.HttpRouteGroup g -> httpRouteGroups.put(g.meta().namespace() + "/" + g.meta().name(), g);
                case dev.lattice.model.SmiTcpRoute t -> smiTcpRoutes.put(t.meta().namespace() + "/" + t.meta().name(), t);
                case dev.lattice.model.EndpointSlice e -> {
                    if (e.serviceName() != null) {
                        endpointSlices.computeIfAbsent(e.meta().namespace() + "/" + e.serviceName(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        Comparator<MeshObject> byKey = Comparator.comparing((MeshObject o) -> o.meta().namespace())
                .thenComparing(o -> o.meta().name());
        gateways.sort(byKey);
        routes.sort(byKey);
        tlsRoutes.sort(byKey);
        tcpRoutes.sort(byKey);
        grpcRoutes.sort(byKey);
        backendTlsPolicies.sort(byKey);
        workloads.sort(byKey);
        listenerSets.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        meshConfigs.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        mtlsPolicies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        authorizationPolicies.sort(byKey);
        rateLimitPolicies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        jwtPolicies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        trafficTargets.sort(byKey);
        clientTrafficPolicies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        requestValidationPolicies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
    }

    Gateway gateway(String namespace, String name) {
        for (Gateway g : gateways) {
            if (g.meta().namespace().equals(namespace) && g.meta().name().equals(name)) return g;
        }
        return null;
    }

    dev.lattice.model.ListenerSet listenerSet(String namespace, String name) {
        for (dev.lattice.model.ListenerSet l : listenerSets) {
            if (l.meta().namespace().equals(namespace) && l.meta().name().equals(name)) return l;
        }
        return null;
    }

    Resource resource(MeshObject o) {
        return resources.get(o.key());
    }

    Service service(String namespace, String name) {
        return services.get(namespace + "/" + name);
    }

    boolean isLatticeGateway(Gateway g) {
        GatewayClass c = classes.get(g.gatewayClassName());
        return c != null && c.isLattice();
    }

    /** A namespace's labels: those a Namespace resource declares, plus kubernetes.io/metadata.name. */
    Map<String, String> labelsOf(String namespace) {
        Map<String, String> l = new HashMap<>(namespaceLabels.getOrDefault(namespace, Map.of()));
        l.put(NAME_LABEL, namespace);
        return l;
    }

    /**
     * Whether a {@code namespaces.from} selection (All, Same, Selector with {@code selector}; None or anything else
     * selects nothing) written in namespace {@code own} admits namespace {@code candidate}: a listener's allowedRoutes,
     * a Gateway's allowedListeners.
     */
    boolean namespaceSelected(String from, dev.lattice.model.LabelSelector selector, String own, String candidate) {
        return switch (from) {
            case "All" -> true;
            case "Same" -> candidate.equals(own);
            case "Selector" -> selector != null && selector.matches(labelsOf(candidate));
            default -> false;
        };
    }

    /** Whether a ReferenceGrant in {@code toNamespace} lets a {@code fromGroup/fromKind} of {@code fromNamespace} refer to it. */
    boolean granted(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String toNamespace,
                    String toName) {
        for (ReferenceGrant g : grants.getOrDefault(toNamespace, List.of())) {
            if (g.permits(fromGroup, fromKind, fromNamespace, toGroup, toKind, toName)) return true;
        }
        return false;
    }

    boolean granted(String fromNamespace, String toNamespace, String toName) {
        for (ReferenceGrant g : grants.getOrDefault(toNamespace, List.of())) {
            if (g.permits(HttpRoute.GROUP, HttpRoute.KIND, fromNamespace, "", Service.KIND, toName)) return true;
        }
        return false;
    }
}
