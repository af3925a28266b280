package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * gateway.networking.k8s.io ReferenceGrant: lets resources of the {@code from} kinds in other namespaces refer
 * to the {@code to} kinds in this one. {@code To.name} null means every name.
 */
public record ReferenceGrant(ObjectMeta meta, List<From> from, List<To> to) implements MeshObject {
    public static final String KIND = "ReferenceGrant";

    public record From(String group, String kind, String namespace) {}

    public record To(String group, String kind, String name) {}

    public ReferenceGrant {
        requireNonNull(meta, "meta");
        from = List.copyOf(from);
        to = List.copyOf(to);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** Whether this grant lets a {@code fromGroup/fromKind} in {@code fromNamespace} refer to {@code toGroup/toKind toName} here. */
    public boolean permits(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String toName) {
        boolean f = from.stream().anyMatch(x -> x.group().equals(fromGroup) && x.kind().equals(fromKind)
                && x.namespace().equals(fromNamespace));
        boolean t = to.stream().anyMatch(x -> x.group().equals(toGroup) && x.kind().equals(toKind)
                && (x.name() == null || x.name().equals(toName)));
        return f && t;
    }

    static ReferenceGrant read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        List<From> from = new ArrayList<>();
        List<Field> ff = spec.get("from").list();
        if (ff.isEmpty()) spec.get("from").problem("required: at least one entry");
        for (Field f : ff) {
            if (!f.object()) continue;
            Field g = f.get("group");
            if (!g.present()) g.problem("required (\"\" for the core group)");
            from.add(new From(g.string(""), f.get("kind").requiredString(), f.get("namespace").requiredString()));
        }
        List<To> to = new ArrayList<>();
        List<Field> tf = spec.get("to").list();
        if (tf.isEmpty()) spec.get("to").problem("required: at least one entry");
        for (Field t : tf) {
            if (!t.object()) continue;
            Field g = t.get("group");
            if (!g.present()) g.problem("required (\"\" for the core group)");
            String name = t.get("name").string(null);
            to.add(new To(g.string(""), t.get("kind").requiredString(), name == null || name.isEmpty() ? null : name));
        }
        return new ReferenceGrant(meta, from, to);
    }
}
