package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.AuthorizationPolicy;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Resource;
import dev.lattice.model.Service;
import dev.lattice.model.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * Which AuthorizationPolicies apply to a Workload's sidecar (docs/security.md), as IR: a policy of the Workload's
 * namespace with no targetRefs, or one whose targetRefs name the Workload or a Service selecting it, and a policy
 * without targetRefs in the root namespace {@value #ROOT_NAMESPACE} (mesh-wide, as Istio's root namespace).
 *
 * <p>A policy whose current version does not validate never opens access: it becomes a DENY-all policy for the targets
 * its raw {@code spec.targetRefs} names (read leniently; when even that cannot be read, its whole namespace), in
 * addition to its last good version if there is one.
 */
final class Authorizations {
    static final String ROOT_NAMESPACE = "lattice-system";
    private static final AuthorizationPolicy.Rule EVERYTHING = new AuthorizationPolicy.Rule(List.of(), List.of(), List.of());

    private final MeshIndex index;
    private final List<Resource> broken = new ArrayList<>();

    Authorizations(MeshIndex index, List<Resource> rejected) {
        this.index = index;
        for (Resource r : rejected) if (r.kind().equals(AuthorizationPolicy.KIND)) broken.add(r);
    }

    /** The policies for the inbound listener of {@code w}'s {@code appPort}, or null when none applies. */
    Ir.Authz forWorkload(Workload w, int appPort) {
        List<Ir.AuthzPolicy> out = new ArrayList<>();
        for (Resource r : broken) {
            if (brokenApplies(r, w)) {
                out.add(new Ir.AuthzPolicy(AuthorizationPolicy.KIND + "/" + r.namespace() + "/" + r.name() + "/invalid",
                        AuthorizationPolicy.Action.DENY, false, List.of(EVERYTHING)));
            }
        }
        for (AuthorizationPolicy p : index.authorizationPolicies) {
            if (!applies(p, w)) continue;
            out.add(new Ir.AuthzPolicy(AuthorizationPolicy.KIND + "/" + p.meta().namespace() + "/" + p.meta().name(),
                    p.action(), p.dryRun(), p.rules() == null ? List.of() : p.rules()));
        }
        return out.isEmpty() ? null : new Ir.Authz(appPort, w.address(), out);
    }

    private boolean applies(AuthorizationPolicy p, Workload w) {
        String ns = p.meta().namespace();
        if (p.targetRefs().isEmpty()) return ns.equals(w.meta().namespace()) || ns.equals(ROOT_NAMESPACE);
        if (!ns.equals(w.meta().namespace())) return false;
        for (PolicyTargetRef t : p.targetRefs()) {
            if (targets(t.group(), t.kind(), t.name(), w)) return true;
        }
        return false;
    }

    private boolean targets(String group, String kind, String name, Workload w) {
        if (kind.equals(PolicyTargetRef.WORKLOAD.kind()) && (group.isEmpty() || group.equals(PolicyTargetRef.LATTICE_GROUP))) {
            return name.equals(w.meta().name());
        }
        if (kind.equals(PolicyTargetRef.SERVICE.kind()) && group.isEmpty()) {
            Service s = index.service(w.meta().namespace(), name);
            return s != null && s.selects(w);
        }
        return false;
    }

    /** A broken policy's targets, read from its raw spec as far as possible; anything unreadable means its namespace. */
    private boolean brokenApplies(Resource r, Workload w) {
        boolean root = r.namespace().equals(ROOT_NAMESPACE);
        if (!r.namespace().equals(w.meta().namespace()) && !root) return false;
        JsonNode spec = r.object().get("spec");
        JsonNode refs = spec == null ? null : spec.get("targetRefs");
        if (refs == null || refs.isNull() || (refs.isArray() && refs.isEmpty())) return true;
        if (!refs.isArray()) return true;
        if (!r.namespace().equals(w.meta().namespace())) return false;
        for (JsonNode t : refs) {
            JsonNode kind = t.get("kind");
            JsonNode name = t.get("name");
            if (kind == null || !kind.isTextual() || name == null || !name.isTextual()) return true;
            JsonNode group = t.get("group");
            String g = group != null && group.isTextual() ? group.asText() : "";
            if (targets(g, kind.asText(), name.asText(), w)) return true;
            // a Gateway target closes only the Gateway; an unknown kind could have meant anything
            if (!kind.asText().equals(PolicyTargetRef.GATEWAY.kind()) && !kind.asText().equals(PolicyTargetRef.WORKLOAD.kind())
                    && !kind.asText().equals(PolicyTargetRef.SERVICE.kind())) {
                return true;
            }
        }
        return false;
    }
}
