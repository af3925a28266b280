package dev.lattice.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The kinds Lattice reads, and the typed view of a {@link Resource} with its validation problems. */
public final class Models {
    private static final String GW = "gateway.networking.k8s.io/";

    /** The typed object (null when the resource cannot be read at all) and every problem found, each naming its field. */
    public record Parsed(MeshObject value, List<Problem> problems) {
        public Parsed {
            problems = List.copyOf(problems);
        }

        public boolean valid() {
            return value != null && problems.isEmpty();
        }
    }

    private interface Reader {
        MeshObject read(Resource r, Field root, List<Problem> problems);
    }

    private record KindInfo(boolean namespaced, Reader reader) {}

    private static final Map<String, KindInfo> KINDS = Map.ofEntries(
            Map.entry("v1/Service", new KindInfo(true, Service::read)),
            Map.entry("discovery.k8s.io/v1/EndpointSlice", new KindInfo(true, EndpointSlice::read)),
            Map.entry("v1/Namespace", new KindInfo(false, (r, root, p) -> new Namespace(ObjectMeta.read(r, root, p)))),
            Map.entry("lattice.dev/v1alpha1/Workload", new KindInfo(true, Workload::read)),
            Map.entry(GW + "v1/GatewayClass", new KindInfo(false, GatewayClass::read)),
            Map.entry(GW + "v1beta1/GatewayClass", new KindInfo(false, GatewayClass::read)),
            Map.entry(GW + "v1/Gateway", new KindInfo(true, Gateway::read)),
            Map.entry(GW + "v1beta1/Gateway", new KindInfo(true, Gateway::read)),
            Map.entry(GW + "v1/HTTPRoute", new KindInfo(true, HttpRoute::read)),
            Map.entry(GW + "v1beta1/HTTPRoute", new KindInfo(true, HttpRoute::read)),
            Map.entry(GW + "v1/GRPCRoute", new KindInfo(true, GrpcRoute::read)),
            Map.entry("v1/Secret", new KindInfo(true, Secret::read)),
            Map.entry("v1/ConfigMap", new KindInfo(true, ConfigMap::read)),
            Map.entry(GW + "v1alpha2/TLSRoute", new KindInfo(true, TlsRoute::read)),
            Map.entry(GW + "v1alpha3/TLSRoute", new KindInfo(true, TlsRoute::read)),
            Map.entry(GW + "v1/TLSRoute", new KindInfo(true, TlsRoute::read)),
            Map.entry(GW + "v1alpha2/TCPRoute", new KindInfo(true, TcpRoute::read)),
            Map.entry(GW + "v1/TCPRoute", new KindInfo(true, TcpRoute::read)),
            Map.entry(GW + "v1/ListenerSet", new KindInfo(true, ListenerSet::read)),
            Map.entry(GW + "v1/ReferenceGrant", new KindInfo(true, ReferenceGrant::read)),
            Map.entry(GW + "v1beta1/ReferenceGrant", new KindInfo(true, ReferenceGrant::read)),
            Map.entry(GW + "v1/BackendTLSPolicy", new KindInfo(true, BackendTlsPolicy::read)),
            Map.entry(GW + "v1alpha3/BackendTLSPolicy", new KindInfo(true, BackendTlsPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/MeshConfig", new KindInfo(false, MeshConfig::read)),
            Map.entry("lattice.dev/v1alpha1/MTLSPolicy", new KindInfo(true, MtlsPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/AuthorizationPolicy", new KindInfo(true, AuthorizationPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/RateLimitPolicy", new KindInfo(true, RateLimitPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/RequestValidationPolicy", new KindInfo(true, RequestValidationPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/JWTPolicy", new KindInfo(true, JwtPolicy::read)),
            Map.entry("lattice.dev/v1alpha1/ClientTrafficPolicy", new KindInfo(true, ClientTrafficPolicy::read)),
            Map.entry("access.smi-spec.io/v1alpha3/TrafficTarget", new KindInfo(true, TrafficTarget::read)),
            Map.entry("access.smi-spec.io/v1alpha2/TrafficTarget", new KindInfo(true, TrafficTarget::read)),
            Map.entry("specs.smi-spec.io/v1alpha4/HTTPRouteGroup", new KindInfo(true, HttpRouteGroup::read)),
            Map.entry("specs.smi-spec.io/v1alpha4/TCPRoute", new KindInfo(true, SmiTcpRoute::read)));

    /** What {@link #knownKinds()} says in problems. */
    public static final String KNOWN = "v1 Service, Namespace, Secret and ConfigMap, discovery.k8s.io/v1 EndpointSlice, lattice.dev/v1alpha1 Workload, MeshConfig, MTLSPolicy, AuthorizationPolicy, JWTPolicy, RequestValidationPolicy, RateLimitPolicy and ClientTrafficPolicy, "
            + "gateway.networking.k8s.io/v1 GatewayClass, Gateway, ListenerSet, HTTPRoute, GRPCRoute, ReferenceGrant and BackendTLSPolicy "
            + "(HTTPRoute and ReferenceGrant also v1beta1, BackendTLSPolicy also v1alpha3), TLSRoute (v1alpha2, v1alpha3, v1), TCPRoute (v1alpha2, v1), "
            + "access.smi-spec.io TrafficTarget (v1alpha3, v1alpha2), specs.smi-spec.io/v1alpha4 HTTPRouteGroup and TCPRoute";

    private Models() {}

    /**
     * The kind a resource's {@link ResourceKey} carries: the kind as written, except SMI's TCPRoute, which is
     * {@value SmiTcpRoute#KEY_KIND} so that it never shares a key with Gateway API's TCPRoute.
     */
    public static String keyKind(String apiVersion, String kind) {
        if (kind.equals("TCPRoute") && apiVersion.startsWith(SmiTcpRoute.GROUP + "/")) return SmiTcpRoute.KEY_KIND;
        return kind;
    }

    public static boolean isKnown(String apiVersion, String kind) {
        return KINDS.containsKey(apiVersion + "/" + kind);
    }

    /** Whether objects of this kind live in a namespace (false for GatewayClass and Namespace). */
    public static boolean isNamespaced(String apiVersion, String kind) {
        KindInfo k = KINDS.get(apiVersion + "/" + kind);
        return k == null || k.namespaced();
    }

    public static String knownKinds() {
        return KNOWN;
    }

    /** Reads and validates one resource on its own. */
    public static Parsed read(Resource resource) {
        String kind = resource.object().path("kind").asText(resource.kind());
        KindInfo info = KINDS.get(resource.apiVersion() + "/" + kind);
        List<Problem> problems = new ArrayList<>();
        if (info == null) {
            problems.add(Problem.at(resource.source(), resource.key(), "",
                    "unknown kind " + resource.apiVersion() + "/" + kind + " (Lattice reads " + KNOWN + ")"));
            return new Parsed(null, problems);
        }
        MeshObject value = info.reader().read(resource, Field.root(resource, problems), problems);
        return new Parsed(value, problems);
    }

    /** The typed objects of those resources that are valid; invalid ones are left out. */
    public static List<MeshObject> readAll(List<Resource> resources) {
        List<MeshObject> out = new ArrayList<>();
        for (Resource r : resources) {
            Parsed p = read(r);
            if (p.valid()) out.add(p.value());
        }
        return List.copyOf(out);
    }
}
