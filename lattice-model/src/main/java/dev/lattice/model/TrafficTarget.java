package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * access.smi-spec.io TrafficTarget (v1alpha3; v1alpha2, whose destination may also carry a {@code port}): the
 * ServiceAccounts ({@code sources}) that may call the workloads running as the destination ServiceAccount, on the
 * traffic its {@code rules} describe (HTTPRouteGroup matches, TCPRoute ports). SMI access control is additive: a
 * destination named by any TrafficTarget accepts only what one of them allows. The destination lives in the
 * TrafficTarget's own namespace; a source's namespace defaults to it.
 */
public record TrafficTarget(ObjectMeta meta, Subject destination, Integer destinationPort, List<RuleRef> rules,
                            List<Subject> sources) implements MeshObject {
    public static final String KIND = "TrafficTarget";
    public static final String HTTP_ROUTE_GROUP = "HTTPRouteGroup";
    public static final String TCP_ROUTE = "TCPRoute";

    /** A ServiceAccount: {@code kind} is always ServiceAccount. */
    public record Subject(String name, String namespace) {
        public Subject {
            requireNonNull(name, "name");
            requireNonNull(namespace, "namespace");
        }
    }

    /**
     * A traffic spec of the TrafficTarget's namespace: {@code kind} HTTPRouteGroup (with {@code matches}, the names of
     * the matches it allows; empty: all of them) or TCPRoute.
     */
    public record RuleRef(String kind, String name, List<String> matches) {
        public RuleRef {
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
            matches = List.copyOf(matches);
        }
    }

    public TrafficTarget {
        requireNonNull(meta, "meta");
        requireNonNull(destination, "destination");
        rules = List.copyOf(rules);
        sources = List.copyOf(sources);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static TrafficTarget read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        boolean v1alpha2 = r.apiVersion().endsWith("/v1alpha2");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("destination", "rules", "sources");
        Field d = spec.get("destination");
        Integer port = null;
        Subject dest = new Subject("", meta.namespace());
        if (d.require() && d.object()) {
            if (v1alpha2) d.known("kind", "name", "namespace", "port");
            else d.known("kind", "name", "namespace");
            dest = subject(d, meta.namespace());
            if (!dest.namespace().equals(meta.namespace())) {
                d.get("namespace").problem("must be the TrafficTarget's own namespace " + meta.namespace() + ", not " + dest.namespace());
            }
            if (v1alpha2) port = d.get("port").port(false);
        }
        List<RuleRef> rules = new ArrayList<>();
        Field rf = spec.get("rules");
        if (rf.require() && rf.list().isEmpty() && rf.json().isArray()) rf.problem("must have at least one rule");
        for (Field f : rf.list()) {
            if (!f.object()) continue;
            f.known("kind", "name", "matches");
            String kind = f.get("kind").requiredString();
            String name = f.get("name").requiredString();
            if (!kind.isEmpty() && !kind.equals(HTTP_ROUTE_GROUP) && !kind.equals(TCP_ROUTE)) {
                f.get("kind").problem("must be HTTPRouteGroup or TCPRoute, not \"" + kind + "\"");
            }
            List<String> matches = f.get("matches").strings();
            if (!matches.isEmpty() && kind.equals(TCP_ROUTE)) f.get("matches").problem("only an HTTPRouteGroup rule names matches");
            rules.add(new RuleRef(kind, name, matches));
        }
        List<Subject> sources = new ArrayList<>();
        Field sf = spec.get("sources");
        if (sf.require() && sf.list().isEmpty() && sf.json().isArray()) sf.problem("must have at least one source");
        for (Field f : sf.list()) {
            if (!f.object()) continue;
            f.known("kind", "name", "namespace");
            sources.add(subject(f, meta.namespace()));
        }
        return new TrafficTarget(meta, dest, port, rules, sources);
    }

    private static Subject subject(Field f, String defaultNamespace) {
        String kind = f.get("kind").requiredString();
        if (!kind.isEmpty() && !kind.equals("ServiceAccount")) f.get("kind").problem("must be ServiceAccount, not \"" + kind + "\"");
        String name = f.get("name").requiredString();
        if (!name.isEmpty() && !name.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) f.get("name").problem("\"" + name + "\" is not a ServiceAccount name");
        String ns = f.get("namespace").string(defaultNamespace);
        if (!ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) f.get("namespace").problem("\"" + ns + "\" is not a namespace name");
        return new Subject(name, ns);
    }
}
