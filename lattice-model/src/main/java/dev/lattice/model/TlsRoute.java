package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * gateway.networking.k8s.io TLSRoute (v1alpha2, v1alpha3, v1): TLS connections routed by SNI, untouched, to
 * weighted backends. parentRefs and backendRefs have HTTPRoute's shape and defaults.
 */
public record TlsRoute(ObjectMeta meta, List<HttpRoute.ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements MeshObject {
    public static final String KIND = "TLSRoute";

    public record Rule(String name, List<HttpRoute.BackendRef> backendRefs) {
        public Rule {
            backendRefs = List.copyOf(backendRefs);
        }
    }

    public TlsRoute {
        requireNonNull(meta, "meta");
        parentRefs = List.copyOf(parentRefs);
        hostnames = List.copyOf(hostnames);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static TlsRoute read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("parentRefs", "hostnames", "rules");
        List<HttpRoute.ParentRef> parents = HttpRoute.readParentRefs(spec);
        List<String> hostnames = HttpRoute.readHostnames(spec);
        List<Rule> rules = readRules(spec);
        return new TlsRoute(meta, parents, hostnames, rules);
    }

    /** spec.rules of a TLSRoute or TCPRoute: 1..16 rules, each with 1..16 Service backendRefs (HTTPRoute's shape). */
    static List<Rule> readRules(Field spec) {
        List<Rule> rules = new ArrayList<>();
        Field rf = spec.get("rules");
        List<Field> rfs = rf.list();
        if (rfs.isEmpty()) rf.problem("required: at least one rule");
        if (rfs.size() > 16) rf.problem("at most 16 rules");
        for (Field rule : rfs) {
            if (!rule.object()) continue;
            rule.known("name", "backendRefs");
            List<HttpRoute.BackendRef> backends = new ArrayList<>();
            List<Field> bf = rule.get("backendRefs").list();
            if (bf.isEmpty()) rule.get("backendRefs").problem("required: at least one backendRef");
            if (bf.size() > 16) rule.get("backendRefs").problem("at most 16 backendRefs");
            for (Field b : bf) {
                if (!b.object()) continue;
                b.known("group", "kind", "name", "namespace", "port", "weight");
                String group = b.get("group").string("");
                String kind = b.get("kind").string(Service.KIND);
                String name = b.get("name").requiredString();
                String ns = b.get("namespace").string(null);
                Integer port = b.get("port").port(false);
                if (port == null && !b.get("port").present() && group.isEmpty() && kind.equals(Service.KIND)) {
                    b.get("port").problem("required when kind is Service");
                }
                int weight = b.get("weight").integer(1, 0, 1_000_000);
                backends.add(new HttpRoute.BackendRef(group, kind, name, ns, port, weight));
            }
            rules.add(new Rule(rule.get("name").string(null), backends));
        }
        return rules;
    }
}
