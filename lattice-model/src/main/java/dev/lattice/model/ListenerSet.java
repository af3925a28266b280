package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * gateway.networking.k8s.io/v1 ListenerSet: more listeners for an existing Gateway ({@code spec.parentRef}), which
 * takes them only when its {@code spec.allowedListeners} allows the ListenerSet's namespace. Listeners are read as a
 * Gateway's are.
 */
public record ListenerSet(ObjectMeta meta, ParentGateway parentRef, List<Gateway.Listener> listeners) implements MeshObject {
    public static final String KIND = "ListenerSet";

    /** spec.parentRef: a Gateway; {@code namespace} is the ListenerSet's own when not written. */
    public record ParentGateway(String namespace, String name) {
        public ParentGateway {
            requireNonNull(namespace, "namespace");
            requireNonNull(name, "name");
        }
    }

    public ListenerSet {
        requireNonNull(meta, "meta");
        requireNonNull(parentRef, "parentRef");
        listeners = List.copyOf(listeners);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static ListenerSet read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("parentRef", "listeners");
        Field p = spec.get("parentRef");
        if (p.require()) p.object();
        p.known("group", "kind", "name", "namespace");
        String group = p.get("group").string(HttpRoute.GROUP);
        String kind = p.get("kind").string(Gateway.KIND);
        if (!group.equals(HttpRoute.GROUP) || !kind.equals(Gateway.KIND)) {
            p.get("kind").problem("a ListenerSet's parent is a " + HttpRoute.GROUP + " Gateway, not "
                    + (group.isEmpty() ? "" : group + "/") + kind);
        }
        String name = p.get("name").requiredString();
        String ns = p.get("namespace").string(meta.namespace());
        List<Gateway.Listener> listeners = Gateway.readListeners(spec.get("listeners"));
        return new ListenerSet(meta, new ParentGateway(ns, name == null ? "" : name), listeners);
    }
}
