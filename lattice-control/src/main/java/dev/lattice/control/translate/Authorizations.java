package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.control.MeshTrust;
import dev.lattice.model.AuthorizationPolicy;
import dev.lattice.model.HttpRouteGroup;
import dev.lattice.model.SmiTcpRoute;
import dev.lattice.model.TrafficTarget;
import dev.lattice.model.Resource;
import dev.lattice.model.Service;
import dev.lattice.model.Workload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which AuthorizationPolicies apply to a Workload's sidecar (docs/security.md), as IR: a policy of the Workload's
 * namespace with no targetRefs, or one whose targetRefs name the Workload or a Service selecting it, and a policy
 * without targetRefs in the root namespace {@value #ROOT_NAMESPACE} (mesh-wide, as Istio's root namespace).
 *
 * <p>A policy whose current version does not validate never opens access: it becomes a DENY-all policy for the targets
 * its raw {@code spec.targetRefs} names (read leniently; when even that cannot be read, its whole namespace), in
 * addition to its last good version if there is one.
 *
 * <p>SMI access control: every TrafficTarget whose destination is the Workload's ServiceAccount (in its namespace)
 * is one ALLOW policy named {@code TrafficTarget/<ns>/<name>}, so a destination named by any TrafficTarget accepts
 * only what one of them (or an ALLOW AuthorizationPolicy) allows. Its rules: a request from one of its sources'
 * SPIFFE IDs, on a port its TCPRoute rules allow (none: any port; v1alpha2's {@code destination.port} narrows
 * further), matching one of its HTTPRouteGroup rules' matches (none: any request). A TrafficTarget, HTTPRouteGroup or
 * TCPRoute whose current version does not validate never opens access: a broken TrafficTarget closes its destination
 * entirely, and a rule naming a broken, missing or unknown route, or a match its group does not have, allows nothing.
 */
final class Authorizations {
    static final String ROOT_NAMESPACE = "lattice-system";
    private static final AuthorizationPolicy.Rule EVERYTHING = new AuthorizationPolicy.Rule(List.of(), List.of(), List.of());

    private final MeshIndex index;
    private final PolicyTargets targets;
    private final String trustDomain;
    private final List<Resource> broken = new ArrayList<>();
    private final List<Resource> brokenTargets = new ArrayList<>();
    /** "Kind namespace/name" of the SMI route specs whose current version does not validate. */
    private final Set<String> brokenSpecs = new HashSet<>();

    Authorizations(MeshIndex index, MeshTrust trust, List<Resource> rejected) {
        this.index = index;
        this.targets = new PolicyTargets(index);
        this.trustDomain = trust.trustDomain();
        for (Resource r : rejected) {
            if (r.kind().equals(AuthorizationPolicy.KIND)) broken.add(r);
            else if (r.kind().equals(TrafficTarget.KIND)) brokenTargets.add(r);
            else if (r.kind().equals(HttpRouteGroup.KIND) || r.kind().equals(SmiTcpRoute.KEY_KIND)) brokenSpecs.add(r.key().toString());
        }
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
        for (Resource r : brokenTargets) {
            if (brokenTargetApplies(r, w)) {
                out.add(new Ir.AuthzPolicy(TrafficTarget.KIND + "/" + r.namespace() + "/" + r.name() + "/invalid",
                        AuthorizationPolicy.Action.DENY, false, List.of(EVERYTHING)));
            }
        }
        for (TrafficTarget t : index.trafficTargets) {
            if (!t.meta().namespace().equals(w.meta().namespace()) || !t.destination().name().equals(w.serviceAccount())) continue;
            out.add(new Ir.AuthzPolicy(TrafficTarget.KIND + "/" + t.meta().namespace() + "/" + t.meta().name(),
                    AuthorizationPolicy.Action.ALLOW, false, smiRules(t, appPort)));
        }
        return out.isEmpty() ? null : new Ir.Authz(appPort, w.address(), out);
    }

    /**
     * The policies for a Gateway's listener on {@code port}, serving the Gateway listeners named {@code sections}:
     * those whose targetRefs name the Gateway (with no sectionName, or one of {@code sections}); a Gateway is never
     * governed by namespace-wide or mesh-wide policies, only by the ones that target it. Null when none applies.
     */
    Ir.Authz forGateway(dev.lattice.model.Gateway g, int port, String address, Set<String> sections) {
        List<Ir.AuthzPolicy> out = new ArrayList<>();
        for (Resource r : broken) {
            if (targets.rawGateway(r, g, sections)) {
                out.add(new Ir.AuthzPolicy(AuthorizationPolicy.KIND + "/" + r.namespace() + "/" + r.name() + "/invalid",
                        AuthorizationPolicy.Action.DENY, false, List.of(EVERYTHING)));
            }
        }
        for (AuthorizationPolicy p : index.authorizationPolicies) {
            if (!targets.gateway(p.meta().namespace(), p.targetRefs(), g, sections)) continue;
            out.add(new Ir.AuthzPolicy(AuthorizationPolicy.KIND + "/" + p.meta().namespace() + "/" + p.meta().name(),
                    p.action(), p.dryRun(), p.rules() == null ? List.of() : p.rules()));
        }
        return out.isEmpty() ? null : new Ir.Authz(port, address, out);
    }

    /**
     * A TrafficTarget's rules for the listener of {@code appPort}: one per HTTPRouteGroup match it allows (or one for
     * any request when it has no HTTPRouteGroup rule), each from its sources; none when its ports exclude this one.
     */
    private List<AuthorizationPolicy.Rule> smiRules(TrafficTarget t, int appPort) {
        String ns = t.meta().namespace();
        if (t.destinationPort() != null && t.destinationPort() != appPort) return List.of();
        boolean anyTcp = false;
        boolean portAllowed = false;
        boolean anyHttp = false;
        List<AuthorizationPolicy.Operation> ops = new ArrayList<>();
        for (TrafficTarget.RuleRef ref : t.rules()) {
            if (ref.kind().equals(TrafficTarget.TCP_ROUTE)) {
                anyTcp = true;
                SmiTcpRoute route = brokenSpecs.contains(SmiTcpRoute.KEY_KIND + " " + ns + "/" + ref.name())
                        ? null : index.smiTcpRoutes.get(ns + "/" + ref.name());
                if (route != null && (route.ports().isEmpty() || route.ports().contains(appPort))) portAllowed = true;
            } else if (ref.kind().equals(TrafficTarget.HTTP_ROUTE_GROUP)) {
                anyHttp = true;
                HttpRouteGroup g = brokenSpecs.contains(HttpRouteGroup.KIND + " " + ns + "/" + ref.name())
                        ? null : index.httpRouteGroups.get(ns + "/" + ref.name());
                if (g == null) continue;
                List<HttpRouteGroup.Match> matches = new ArrayList<>();
                if (ref.matches().isEmpty()) matches.addAll(g.matches());
                for (String name : ref.matches()) {
                    HttpRouteGroup.Match m = g.match(name);
                    if (m != null) matches.add(m);
                }
                for (HttpRouteGroup.Match m : matches) ops.add(operation(m));
            }
        }
        if (anyTcp && !portAllowed) return List.of();
        List<String> principals = new ArrayList<>();
        for (TrafficTarget.Subject s : t.sources()) {
            principals.add("spiffe://" + trustDomain + "/ns/" + s.namespace() + "/sa/" + s.name());
        }
        List<AuthorizationPolicy.Source> from = List.of(new AuthorizationPolicy.Source(principals, List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of()));
        if (!anyHttp) return List.of(new AuthorizationPolicy.Rule(from, List.of(), List.of()));
        List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
        for (AuthorizationPolicy.Operation op : ops) rules.add(new AuthorizationPolicy.Rule(from, List.of(op), List.of()));
        return rules;
    }

    /** An HTTPRouteGroup match as an operation: its path regex anchored at the start, its methods, its header regexes. */
    private static AuthorizationPolicy.Operation operation(HttpRouteGroup.Match m) {
        return new AuthorizationPolicy.Operation(List.of(), List.of(), m.methods(), List.of(), List.of(), List.of(),
                List.of(), List.of(), m.pathRegex() == null ? List.of() : List.of(m.pathRegex()), m.headers());
    }

    /** A broken TrafficTarget's destination, read from its raw spec; unreadable means every workload of its namespace. */
    private static boolean brokenTargetApplies(Resource r, Workload w) {
        if (!r.namespace().equals(w.meta().namespace())) return false;
        JsonNode name = r.object().path("spec").path("destination").path("name");
        return !name.isTextual() || name.asText().equals(w.serviceAccount());
    }

    private boolean applies(AuthorizationPolicy p, Workload w) {
        if (p.targetRefs().isEmpty() && p.meta().namespace().equals(ROOT_NAMESPACE)) return true;
        return targets.workload(p.meta().namespace(), p.targetRefs(), w) != PolicyTargets.NONE;
    }

    /** A broken policy's targets, read from its raw spec; a root-namespace one without targetRefs means every workload. */
    private boolean brokenApplies(Resource r, Workload w) {
        if (r.namespace().equals(ROOT_NAMESPACE)) {
            JsonNode refs = r.object().path("spec").path("targetRefs");
            if (refs.isMissingNode() || refs.isNull() || !refs.isArray() || refs.isEmpty()) return true;
        }
        return targets.rawWorkload(r, w);
    }
}
