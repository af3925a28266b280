package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Gateway API style policy target ({@code targetRefs[]} of a {@code lattice.dev} policy): group, kind, name and an
 * optional sectionName (null when absent). One reader for every policy kind, so that all validate targets alike.
 */
public record PolicyTargetRef(String group, String kind, String name, String sectionName) {
    public static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
    public static final String LATTICE_GROUP = "lattice.dev";

    public PolicyTargetRef {
        requireNonNull(group, "group");
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
    }

    /** A kind a policy may target: its group ("" for core) and kind. */
    public record Allowed(String group, String kind) {
        @Override
        public String toString() {
            return group.isEmpty() ? kind : kind + "." + group;
        }
    }

    public static final Allowed SERVICE = new Allowed("", "Service");
    public static final Allowed WORKLOAD = new Allowed(LATTICE_GROUP, "Workload");
    public static final Allowed GATEWAY = new Allowed(GATEWAY_GROUP, "Gateway");
    /** A route's sectionName names one of its rules ({@code rules[].name}). */
    public static final Allowed HTTP_ROUTE = new Allowed(GATEWAY_GROUP, "HTTPRoute");
    public static final Allowed GRPC_ROUTE = new Allowed(GATEWAY_GROUP, "GRPCRoute");

    public boolean is(Allowed a) {
        return group.equals(a.group()) && kind.equals(a.kind());
    }

    /**
     * Reads {@code targetRefs} (absent: empty). Each needs kind and name; group defaults to the kind's group among
     * {@code allowed} when omitted; a kind outside {@code allowed} and a repeated target are problems.
     */
    static List<PolicyTargetRef> readAll(Field list, List<Allowed> allowed) {
        List<PolicyTargetRef> out = new ArrayList<>();
        List<Field> items = list.list();
        if (items.size() > 16) list.problem("at most 16 targets");
        for (Field t : items) {
            if (!t.object()) continue;
            t.known("group", "kind", "name", "sectionName");
            String kind = t.get("kind").requiredString();
            String name = t.get("name").requiredString();
            if (kind.isEmpty() || name.isEmpty()) continue;
            Allowed match = null;
            for (Allowed a : allowed) if (a.kind().equals(kind)) match = a;
            String group = t.get("group").string(match == null ? "" : match.group());
            if (match == null || !match.group().equals(group)) {
                t.get("kind").problem("must be one of " + allowed.stream().map(Allowed::toString).toList()
                        + ", not " + new Allowed(group, kind));
                continue;
            }
            String section = t.get("sectionName").string(null);
            PolicyTargetRef ref = new PolicyTargetRef(group, kind, name, section == null || section.isEmpty() ? null : section);
            for (PolicyTargetRef o : out) {
                if (o.group().equals(group) && o.kind().equals(kind) && o.name().equals(name)
                        && Objects.equals(o.sectionName(), ref.sectionName())) {
                    t.problem("repeats the target " + kind + " " + name);
                }
            }
            out.add(ref);
        }
        return List.copyOf(out);
    }
}
