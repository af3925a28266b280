package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * gateway.networking.k8s.io TCPRoute (v1alpha2, v1): plain TCP connections on a Gateway listener with protocol TCP,
 * relayed to weighted backends. parentRefs and backendRefs have HTTPRoute's shape and defaults; the rules are
 * TLSRoute's (a name and backendRefs), without hostnames.
 */
public record TcpRoute(ObjectMeta meta, List<HttpRoute.ParentRef> parentRefs, List<TlsRoute.Rule> rules)
        implements MeshObject {
    public static final String KIND = "TCPRoute";

    public TcpRoute {
        requireNonNull(meta, "meta");
        parentRefs = List.copyOf(parentRefs);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static TcpRoute read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("parentRefs", "rules");
        return new TcpRoute(meta, HttpRoute.readParentRefs(spec), TlsRoute.readRules(spec));
    }
}
