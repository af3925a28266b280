package dev.lattice.control.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Resource kinds as kubectl takes them: the Kind, singular, plural and short names, with or without the group. */
public final class Kinds {
    /** A kind Lattice knows: its Kubernetes spelling, apiVersion, whether it is namespaced, and its names. */
    public record Kind(String kind, String group, boolean namespaced, String plural, List<String> aliases) {
        public Kind {
            aliases = List.copyOf(aliases);
        }
    }

    public static final List<Kind> ALL = List.of(
            new Kind("Service", "", true, "services", List.of("service", "svc")),
            new Kind("EndpointSlice", "discovery.k8s.io", true, "endpointslices", List.of("endpointslice")),
            new Kind("Namespace", "", false, "namespaces", List.of("namespace", "ns")),
            new Kind("Workload", "lattice.dev", true, "workloads", List.of("workload", "wl")),
            new Kind("GatewayClass", "gateway.networking.k8s.io", false, "gatewayclasses", List.of("gatewayclass", "gc")),
            new Kind("Gateway", "gateway.networking.k8s.io", true, "gateways", List.of("gateway", "gtw")),
            new Kind("ListenerSet", "gateway.networking.k8s.io", true, "listenersets", List.of("listenerset", "lset")),
            new Kind("HTTPRoute", "gateway.networking.k8s.io", true, "httproutes", List.of("httproute")),
            new Kind("GRPCRoute", "gateway.networking.k8s.io", true, "grpcroutes", List.of("grpcroute")),
            new Kind("ReferenceGrant", "gateway.networking.k8s.io", true, "referencegrants",
                    List.of("referencegrant", "refgrant")),
            new Kind("Secret", "", true, "secrets", List.of("secret")),
            new Kind("ConfigMap", "", true, "configmaps", List.of("configmap", "cm")),
            new Kind("TLSRoute", "gateway.networking.k8s.io", true, "tlsroutes", List.of("tlsroute")),
            new Kind("TCPRoute", "gateway.networking.k8s.io", true, "tcproutes", List.of("tcproute")),
            new Kind("BackendTLSPolicy", "gateway.networking.k8s.io", true, "backendtlspolicies",
                    List.of("backendtlspolicy", "btlspolicy")),
            new Kind("MeshConfig", "lattice.dev", false, "meshconfigs", List.of("meshconfig")),
            new Kind("MTLSPolicy", "lattice.dev", true, "mtlspolicies", List.of("mtlspolicy")),
            new Kind("AuthorizationPolicy", "lattice.dev", true, "authorizationpolicies", List.of("authorizationpolicy", "authz")),
            new Kind("RequestValidationPolicy", "lattice.dev", true, "requestvalidationpolicies",
                    List.of("requestvalidationpolicy", "rvp")),
            new Kind("JWTPolicy", "lattice.dev", true, "jwtpolicies", List.of("jwtpolicy", "jwt")),
            new Kind("ClientTrafficPolicy", "lattice.dev", true, "clienttrafficpolicies",
                    List.of("clienttrafficpolicy", "ctp")),
            new Kind("TrafficTarget", "access.smi-spec.io", true, "traffictargets", List.of("traffictarget", "tt")),
            new Kind("HTTPRouteGroup", "specs.smi-spec.io", true, "httproutegroups", List.of("httproutegroup", "hrg")),
            // SMI's TCPRoute: its key kind carries the group, so that it is never Gateway API's TCPRoute
            new Kind("TCPRoute.specs.smi-spec.io", "specs.smi-spec.io", true, "tcproutes.specs.smi-spec.io",
                    List.of("tcproute.specs.smi-spec.io")));

    private static final Map<String, Kind> BY_NAME = new LinkedHashMap<>();

    static {
        for (Kind k : ALL) {
            BY_NAME.put(k.kind().toLowerCase(Locale.ROOT), k);
            BY_NAME.put(k.plural(), k);
            for (String a : k.aliases()) BY_NAME.put(a, k);
        }
    }

    private Kinds() {}

    /**
     * Resolves what a user typed ({@code svc}, {@code httproutes}, {@code HTTPRoute},
     * {@code httproutes.gateway.networking.k8s.io}) to a kind, if Lattice knows it.
     */
    public static Optional<Kind> resolve(String typed) {
        if (typed == null || typed.isBlank()) return Optional.empty();
        String t = typed.trim().toLowerCase(Locale.ROOT);
        Kind k = BY_NAME.get(t);
        if (k != null) return Optional.of(k);
        int dot = t.indexOf('.');
        if (dot > 0) {
            Kind base = BY_NAME.get(t.substring(0, dot));
            String group = t.substring(dot + 1);
            if (base != null && (base.group().equals(group) || (base.group().isEmpty() && group.equals("v1")))) {
                return Optional.of(base);
            }
        }
        return Optional.empty();
    }

    /** Every name accepted, for error messages. */
    public static String accepted() {
        return String.join(", ", BY_NAME.keySet());
    }
}
