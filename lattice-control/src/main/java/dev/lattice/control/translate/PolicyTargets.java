package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.model.Gateway;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Resource;
import dev.lattice.model.Service;
import dev.lattice.model.Workload;
import java.util.List;
import java.util.Set;

/**
 * The one policy attachment path of the {@code lattice.dev} policy kinds (docs/architecture.md): how a policy's
 * {@code targetRefs} (read by {@link PolicyTargetRef}) attach it to a Workload's sidecar or to a Gateway's listeners,
 * how specific each attachment is (the more specific wins; among equals, the older, as callers iterate oldest first),
 * which targets do not exist (for status), and the same questions for a policy whose current version does not
 * validate, answered from its raw spec so that it can fail closed for what it meant to target.
 */
final class PolicyTargets {
    /** Specificity of an attachment: none, the policy's namespace (no targetRefs), a Service selecting it, the Workload itself. */
    static final int NONE = 0;
    static final int NAMESPACE = 1;
    static final int SERVICE = 2;
    static final int WORKLOAD = 3;

    private final MeshIndex index;

    PolicyTargets(MeshIndex index) {
        this.index = index;
    }

    /** How specifically a policy of {@code ns} with {@code refs} attaches to {@code w}; {@link #NONE} when it does not. */
    int workload(String ns, List<PolicyTargetRef> refs, Workload w) {
        if (!ns.equals(w.meta().namespace())) return NONE;
        if (refs.isEmpty()) return NAMESPACE;
        int rank = NONE;
        for (PolicyTargetRef t : refs) rank = Math.max(rank, workload(t.group(), t.kind(), t.name(), w));
        return rank;
    }

    private int workload(String group, String kind, String name, Workload w) {
        if (kind.equals(PolicyTargetRef.WORKLOAD.kind()) && (group.isEmpty() || group.equals(PolicyTargetRef.LATTICE_GROUP))) {
            return name.equals(w.meta().name()) ? WORKLOAD : NONE;
        }
        if (kind.equals(PolicyTargetRef.SERVICE.kind()) && group.isEmpty()) {
            Service s = index.service(w.meta().namespace(), name);
            return s != null && s.selects(w) ? SERVICE : NONE;
        }
        return NONE;
    }

    /**
     * Whether a policy of {@code ns} targets the Gateway {@code g} on a port serving its listeners {@code sections}:
     * a targetRef naming the Gateway, with no sectionName or one of them. Policies without targetRefs never do.
     */
    boolean gateway(String ns, List<PolicyTargetRef> refs, Gateway g, Set<String> sections) {
        if (!ns.equals(g.meta().namespace())) return false;
        for (PolicyTargetRef t : refs) {
            if (t.is(PolicyTargetRef.GATEWAY) && t.name().equals(g.meta().name())
                    && (t.sectionName() == null || sections.contains(t.sectionName()))) {
                return true;
            }
        }
        return false;
    }

    /** Why a target of a policy of {@code ns} does not exist ({@code TargetNotFound}), or null when it does. */
    String missing(String ns, PolicyTargetRef t) {
        boolean found;
        if (t.is(PolicyTargetRef.SERVICE)) {
            found = index.service(ns, t.name()) != null;
        } else if (t.is(PolicyTargetRef.WORKLOAD)) {
            found = index.workloads.stream().anyMatch(w -> w.meta().namespace().equals(ns) && w.meta().name().equals(t.name()));
        } else if (t.is(PolicyTargetRef.GATEWAY)) {
            Gateway g = index.gateway(ns, t.name());
            found = g != null && (t.sectionName() == null || g.listeners().stream().anyMatch(l -> l.name().equals(t.sectionName())));
        } else if (t.is(PolicyTargetRef.HTTP_ROUTE) || t.is(PolicyTargetRef.GRPC_ROUTE)) {
            // a route's sectionName names one of its rules
            java.util.List<String> rules = t.is(PolicyTargetRef.HTTP_ROUTE)
                    ? index.routes.stream().filter(r -> r.meta().namespace().equals(ns) && r.meta().name().equals(t.name()))
                            .flatMap(r -> r.rules().stream().map(dev.lattice.model.HttpRoute.Rule::name)).toList()
                    : index.grpcRoutes.stream().filter(r -> r.meta().namespace().equals(ns) && r.meta().name().equals(t.name()))
                            .flatMap(r -> r.rules().stream().map(dev.lattice.model.GrpcRoute.Rule::name)).toList();
            boolean exists = t.is(PolicyTargetRef.HTTP_ROUTE)
                    ? index.routes.stream().anyMatch(r -> r.meta().namespace().equals(ns) && r.meta().name().equals(t.name()))
                    : index.grpcRoutes.stream().anyMatch(r -> r.meta().namespace().equals(ns) && r.meta().name().equals(t.name()));
            found = exists && (t.sectionName() == null || rules.contains(t.sectionName()));
        } else {
            found = false;
        }
        if (found) return null;
        return t.kind() + " " + ns + "/" + t.name() + (t.sectionName() == null ? "" : " (sectionName " + t.sectionName() + ")")
                + " not found";
    }

    /**
     * Whether a policy that does not validate may have meant {@code w}: its raw targetRefs absent or empty (its
     * namespace), unreadable (anything), or naming the Workload, a Service selecting it, or a kind it cannot have
     * meant to exclude (anything but a Gateway).
     */
    boolean rawWorkload(Resource r, Workload w) {
        if (!r.namespace().equals(w.meta().namespace())) return false;
        JsonNode refs = r.object().path("spec").path("targetRefs");
        if (refs.isMissingNode() || refs.isNull() || (refs.isArray() && refs.isEmpty()) || !refs.isArray()) return true;
        for (JsonNode t : refs) {
            JsonNode kind = t.get("kind");
            JsonNode name = t.get("name");
            if (kind == null || !kind.isTextual() || name == null || !name.isTextual()) return true;
            JsonNode group = t.get("group");
            String g = group != null && group.isTextual() ? group.asText() : "";
            if (workload(g, kind.asText(), name.asText(), w) != NONE) return true;
            String k = kind.asText();
            if (!k.equals(PolicyTargetRef.GATEWAY.kind()) && !k.equals(PolicyTargetRef.WORKLOAD.kind()) && !k.equals(PolicyTargetRef.SERVICE.kind())) {
                return true; // an unknown kind could have meant anything
            }
        }
        return false;
    }

    /** Whether a policy that does not validate names the Gateway (for one of {@code sections}) or has unreadable targetRefs. */
    boolean rawGateway(Resource r, Gateway g, Set<String> sections) {
        if (!r.namespace().equals(g.meta().namespace())) return false;
        JsonNode refs = r.object().path("spec").path("targetRefs");
        if (refs.isMissingNode() || refs.isNull() || (refs.isArray() && refs.isEmpty())) return false;
        if (!refs.isArray()) return true;
        for (JsonNode t : refs) {
            JsonNode kind = t.get("kind");
            JsonNode name = t.get("name");
            if (kind == null || !kind.isTextual() || name == null || !name.isTextual()) return true;
            if (!kind.asText().equals(PolicyTargetRef.GATEWAY.kind())) continue;
            JsonNode section = t.get("sectionName");
            if (name.asText().equals(g.meta().name()) && (section == null || !section.isTextual() || sections.contains(section.asText()))) {
                return true;
            }
        }
        return false;
    }
}
