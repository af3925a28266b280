package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
        List<HttpRoute.ParentRef> parents = HttpRoute.readParentRefs(spec);
        List<TlsRoute.Rule> rules = TlsRoute.readRules(spec);
        if (r.apiVersion().endsWith("/v1") && rules.size() > 1) {
            // v1 (standard channel) allows one rule; v1alpha2 up to 16
            spec.get("rules").problem("at most 1 rule in " + r.apiVersion() + " (v1alpha2 allows 16)");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            String n = rules.get(i).name();
            if (n != null && !names.add(n)) spec.get("rules").list().get(i).get("name").problem("must be unique in the route, not " + n);
        }
        return new TcpRoute(meta, parents, rules);
    }
}
