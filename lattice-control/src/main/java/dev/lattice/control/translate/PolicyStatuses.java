package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.model.AuthorizationPolicy;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.HttpRouteGroup;
import dev.lattice.model.MeshObject;
import dev.lattice.model.MtlsPolicy;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.SmiTcpRoute;
import dev.lattice.model.TrafficTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status of the security policy kinds (MTLSPolicy, AuthorizationPolicy, TrafficTarget, JWTPolicy,
 * RateLimitPolicy; RequestValidationPolicy's valid versions are {@link RequestValidations}'), as Gateway API policies
 * report it (GEP-713): {@code status.ancestors[]}, one per target, each with {@code ancestorRef},
 * {@code controllerName} and an {@code Accepted} condition whose reason is {@code Accepted}, {@code Invalid} (the
 * current version does not validate: it fails closed; the message holds its problems), {@code TargetNotFound}, or
 * {@code Conflicted} (an MTLSPolicy with the same target and an older creationTimestamp wins; a JWTPolicy or
 * RateLimitPolicy that lost to an older, equally specific one at some route, {@link #routeConflicts}). A policy without
 * targetRefs has its Namespace as ancestor; a TrafficTarget its destination ServiceAccount, with a
 * {@code ResolvedRefs} condition that is False when a rule names a route spec that is missing or does not validate.
 */
final class PolicyStatuses {
    private final MeshIndex index;
    private final PolicyTargets targets;
    private final dev.lattice.control.MeshSnapshot snapshot;
    private final java.util.Set<Object> routeConflicted = new java.util.HashSet<>();

    PolicyStatuses(MeshIndex index, dev.lattice.control.MeshSnapshot snapshot) {
        this.index = index;
        this.targets = new PolicyTargets(index);
        this.snapshot = snapshot;
    }

    /** ClientTrafficPolicies that apply nowhere, with why ({@link ClientTraffics#conflicted()}). */
    private Map<dev.lattice.model.ClientTrafficPolicy, String> clientTrafficConflicts = Map.of();

    PolicyStatuses clientTrafficConflicts(Map<dev.lattice.model.ClientTrafficPolicy, String> conflicts) {
        this.clientTrafficConflicts = Map.copyOf(conflicts);
        return this;
    }

    void put(Map<ResourceKey, ObjectNode> statuses) {
        Map<ResourceKey, Resource> rejected = new HashMap<>();
        for (Resource r : snapshot.rejected()) {
            if (r.kind().equals(MtlsPolicy.KIND) || r.kind().equals(AuthorizationPolicy.KIND) || r.kind().equals(TrafficTarget.KIND)
                    || r.kind().equals(dev.lattice.model.RequestValidationPolicy.KIND)
                    || r.kind().equals(dev.lattice.model.JwtPolicy.KIND)
                    || r.kind().equals(dev.lattice.model.RateLimitPolicy.KIND)
                    || r.kind().equals(dev.lattice.model.ClientTrafficPolicy.KIND)) {
                rejected.put(r.key(), r);
            }
        }
        for (MtlsPolicy p : index.mtlsPolicies) {
            if (rejected.containsKey(p.key())) continue;
            ArrayNode ancestors = Status.JSON.arrayNode();
            if (p.targetRefs().isEmpty()) {
                String conflict = conflict(p, null);
                ancestors.add(ancestor(namespaceRef(p.meta().namespace()), accepted(p, conflict == null ? null : "Conflicted", conflict)));
            }
            for (PolicyTargetRef t : p.targetRefs()) {
                String missing = missing(p, t);
                String conflict = missing == null ? conflict(p, t) : null;
                ancestors.add(ancestor(targetRef(p.meta().namespace(), t), accepted(p,
                        missing != null ? "TargetNotFound" : conflict != null ? "Conflicted" : null,
                        missing != null ? missing : conflict)));
            }
            statuses.put(p.key(), withAncestors(ancestors));
        }
        for (AuthorizationPolicy p : index.authorizationPolicies) {
            if (rejected.containsKey(p.key())) continue;
            ArrayNode ancestors = Status.JSON.arrayNode();
            if (p.targetRefs().isEmpty()) ancestors.add(ancestor(namespaceRef(p.meta().namespace()), accepted(p, null, null)));
            for (PolicyTargetRef t : p.targetRefs()) {
                String missing = missing(p, t);
                ancestors.add(ancestor(targetRef(p.meta().namespace(), t), accepted(p, missing == null ? null : "TargetNotFound", missing)));
            }
            statuses.put(p.key(), withAncestors(ancestors));
        }
        for (dev.lattice.model.JwtPolicy p : index.jwtPolicies) {
            if (rejected.containsKey(p.key())) continue;
            ObjectNode st = routePolicy(p, p.targetRefs());
            ObjectNode jwks = jwksCondition(p);
            if (jwks != null) for (JsonNode a : st.path("ancestors")) ((ArrayNode) a.get("conditions")).add(jwks.deepCopy());
            statuses.put(p.key(), st);
        }
        String rateLimitRedis = RateLimits.redis(index);
        for (dev.lattice.model.RateLimitPolicy p : index.rateLimitPolicies) {
            if (rejected.containsKey(p.key())) continue;
            if (p.global() != null && rateLimitRedis == null) { // valid, but cannot be served: it fails closed (503)
                ArrayNode ancestors = Status.JSON.arrayNode();
                for (PolicyTargetRef t : p.targetRefs()) {
                    ancestors.add(ancestor(targetRef(p.meta().namespace(), t), accepted(p, "Invalid",
                            "spec.global: global rules need the mesh's Redis (MeshConfig spec.rateLimit.redis); "
                                    + "the policy answers 503 where it attaches")));
                }
                statuses.put(p.key(), withAncestors(ancestors));
                continue;
            }
            statuses.put(p.key(), routePolicy(p, p.targetRefs()));
        }
        for (dev.lattice.model.ClientTrafficPolicy p : index.clientTrafficPolicies) {
            if (rejected.containsKey(p.key())) continue;
            String conflict = clientTrafficConflicts.get(p);
            ArrayNode ancestors = Status.JSON.arrayNode();
            for (PolicyTargetRef t : p.targetRefs()) {
                String missing = missing(p, t);
                ancestors.add(ancestor(targetRef(p.meta().namespace(), t), accepted(p,
                        missing != null ? "TargetNotFound" : conflict != null ? "Conflicted" : null,
                        missing != null ? missing : conflict)));
            }
            statuses.put(p.key(), withAncestors(ancestors));
        }
        for (TrafficTarget t : index.trafficTargets) {
            if (rejected.containsKey(t.key())) continue;
            ObjectNode ref = Status.JSON.objectNode();
            ref.put("group", "");
            ref.put("kind", "ServiceAccount");
            ref.put("namespace", t.destination().namespace());
            ref.put("name", t.destination().name());
            long gen = t.meta().generation();
            List<String> unresolved = new ArrayList<>();
            for (TrafficTarget.RuleRef r : t.rules()) {
                String key = t.meta().namespace() + "/" + r.name();
                boolean broken = snapshot.rejected().stream().anyMatch(x -> x.namespace().equals(t.meta().namespace())
                        && x.name().equals(r.name()) && x.kind().equals(r.kind().equals(TrafficTarget.TCP_ROUTE) ? SmiTcpRoute.KEY_KIND : r.kind()));
                if (r.kind().equals(TrafficTarget.TCP_ROUTE)) {
                    if (broken || !index.smiTcpRoutes.containsKey(key)) unresolved.add("TCPRoute " + key + (broken ? " does not validate" : " does not exist"));
                } else {
                    HttpRouteGroup g = index.httpRouteGroups.get(key);
                    if (broken || g == null) {
                        unresolved.add("HTTPRouteGroup " + key + (broken ? " does not validate" : " does not exist"));
                    } else {
                        for (String m : r.matches()) if (g.match(m) == null) unresolved.add("HTTPRouteGroup " + key + " has no match " + m);
                    }
                }
            }
            ObjectNode a = ancestor(ref, Status.condition("Accepted", true, "Accepted", "Enforced by the destination's sidecars", gen));
            ((ArrayNode) a.get("conditions")).add(unresolved.isEmpty()
                    ? Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen)
                    : Status.condition("ResolvedRefs", false, "RefNotFound", String.join("; ", unresolved)
                            + ": those rules allow nothing", gen));
            ArrayNode ancestors = Status.JSON.arrayNode();
            ancestors.add(a);
            statuses.put(t.key(), withAncestors(ancestors));
        }
        for (Resource r : rejected.values()) statuses.put(r.key(), invalid(r));
    }

    /**
     * A JWTPolicy with remote JWKS: {@code ResolvedRefs} True (reason ResolvedRefs) when every such provider has
     * fetched keys (the message says which last refresh failed, its last good keys serving), else False with reason
     * {@code JWKSUnavailable} naming the providers that refuse every token until their keys arrive; null when every
     * provider's keys are inline.
     */
    private ObjectNode jwksCondition(dev.lattice.model.JwtPolicy p) {
        if (p.providers().stream().allMatch(v -> v.remoteJwksUri() == null)) return null;
        List<String> troubles = new ArrayList<>();
        boolean allKeys = true;
        for (dev.lattice.model.JwtPolicy.Provider v : p.providers()) {
            String t = JwtIr.remoteTrouble(v, snapshot);
            if (t != null) troubles.add(t);
            allKeys &= JwtIr.hasKeys(v, snapshot);
        }
        long gen = p.meta().generation();
        if (allKeys) {
            return Status.condition("ResolvedRefs", true, "ResolvedRefs", troubles.isEmpty()
                    ? "The remote JWKS of every provider is fetched" : String.join("; ", troubles), gen);
        }
        return Status.condition("ResolvedRefs", false, "JWKSUnavailable", String.join("; ", troubles), gen);
    }

    /**
     * The status of a route-level policy ({@link RoutePolicies}): per target, TargetNotFound, else Conflicted when it
     * lost to an older, equally specific policy of its kind at some route ({@link #routeConflicts}), else Accepted.
     */
    private ObjectNode routePolicy(MeshObject p, List<PolicyTargetRef> refs) {
        ArrayNode ancestors = Status.JSON.arrayNode();
        for (PolicyTargetRef t : refs) {
            String missing = missing(p, t);
            String conflict = missing == null && routeConflicted.contains(p)
                    ? "An older " + p.kind() + " attaches as specifically to the same routes; it applies there" : null;
            ancestors.add(ancestor(targetRef(p.meta().namespace(), t), accepted(p,
                    missing != null ? "TargetNotFound" : conflict != null ? "Conflicted" : null,
                    missing != null ? missing : conflict)));
        }
        return withAncestors(ancestors);
    }

    /**
     * The route-level policies that lost somewhere ({@link RoutePolicies#conflicted()}, asked after every site is
     * resolved): their status says Conflicted. Returns this.
     */
    PolicyStatuses routeConflicts(java.util.Set<?> conflicted) {
        routeConflicted.addAll(conflicted);
        return this;
    }

    /** A policy whose current version does not validate: Accepted=False, Invalid, for the targets its raw spec names. */
    private ObjectNode invalid(Resource r) {
        List<String> why = new ArrayList<>();
        for (Problem p : snapshot.problems()) {
            if (p.kind().equals(r.kind()) && p.namespace().equals(r.namespace()) && p.name().equals(r.name())) {
                why.add((p.field() == null || p.field().isEmpty() ? "" : p.field() + ": ") + p.message());
            }
        }
        String message = (why.isEmpty() ? "The policy does not validate" : String.join("; ", why))
                + "; it fails closed: its targets deny every request until it is fixed";
        if (r.kind().equals(MtlsPolicy.KIND)) {
            message = message.replace("its targets deny every request", "every workload of its namespace is STRICT");
        } else if (r.kind().equals(dev.lattice.model.RequestValidationPolicy.KIND)) {
            message = message.replace("deny every request", "answer every request " + RequestValidations.FAIL_CLOSED_STATUS);
        } else if (r.kind().equals(dev.lattice.model.JwtPolicy.KIND)) {
            message = message.replace("deny every request", "answer every request 401");
        } else if (r.kind().equals(dev.lattice.model.RateLimitPolicy.KIND)) {
            message = message.replace("deny every request", "answer every request 503");
        } else if (r.kind().equals(dev.lattice.model.ClientTrafficPolicy.KIND)) {
            message = message.replace("; it fails closed: its targets deny every request until it is fixed",
                    "; its targets keep the default client settings (requestHeadersTimeout 10s, idleTimeout 1h) until it is fixed");
        }
        ObjectNode cond = Status.condition("Accepted", false, "Invalid", message, r.generation());
        ArrayNode ancestors = Status.JSON.arrayNode();
        JsonNode refs = r.object().path("spec").path(r.kind().equals(TrafficTarget.KIND) ? "destination" : "targetRefs");
        if (r.kind().equals(TrafficTarget.KIND)) {
            ObjectNode ref = Status.JSON.objectNode();
            ref.put("group", "");
            ref.put("kind", "ServiceAccount");
            ref.put("namespace", r.namespace());
            ref.put("name", refs.path("name").asText(""));
            ancestors.add(ancestor(ref, cond));
        } else if (refs.isArray() && !refs.isEmpty()) {
            for (JsonNode t : refs) {
                ObjectNode ref = Status.JSON.objectNode();
                ref.put("group", t.path("group").asText(""));
                ref.put("kind", t.path("kind").asText(""));
                ref.put("namespace", r.namespace());
                ref.put("name", t.path("name").asText(""));
                if (t.path("sectionName").isTextual()) ref.put("sectionName", t.path("sectionName").asText());
                ancestors.add(ancestor(ref, cond.deepCopy()));
            }
        } else {
            ancestors.add(ancestor(namespaceRef(r.namespace()), cond));
        }
        return withAncestors(ancestors);
    }

    private String missing(MeshObject p, PolicyTargetRef t) {
        return targets.missing(p.meta().namespace(), t);
    }

    /** The older MTLSPolicy with the very same target (null: the namespace) that wins over {@code p}, or null. */
    private String conflict(MtlsPolicy p, PolicyTargetRef target) {
        for (MtlsPolicy o : index.mtlsPolicies) { // oldest first
            if (o == p) return null;
            if (!o.meta().namespace().equals(p.meta().namespace())) continue;
            boolean same = target == null ? o.targetRefs().isEmpty()
                    : o.targetRefs().stream().anyMatch(x -> x.is(new PolicyTargetRef.Allowed(target.group(), target.kind()))
                            && x.name().equals(target.name()));
            if (same) return "MTLSPolicy " + o.meta().namespace() + "/" + o.meta().name() + " is older and has the same target; it applies";
        }
        return null;
    }

    private static ObjectNode accepted(MeshObject p, String reason, String message) {
        long gen = p.meta().generation();
        if (reason == null) return Status.condition("Accepted", true, "Accepted", "Policy accepted", gen);
        return Status.condition("Accepted", false, reason, Objects.requireNonNull(message), gen);
    }

    private static ObjectNode ancestor(ObjectNode ref, ObjectNode condition) {
        ObjectNode a = Status.JSON.objectNode();
        a.set("ancestorRef", ref);
        a.put("controllerName", GatewayClass.LATTICE_CONTROLLER);
        a.set("conditions", Status.array(condition));
        return a;
    }

    private static ObjectNode namespaceRef(String ns) {
        ObjectNode ref = Status.JSON.objectNode();
        ref.put("group", "");
        ref.put("kind", "Namespace");
        ref.put("name", ns);
        return ref;
    }

    private static ObjectNode targetRef(String ns, PolicyTargetRef t) {
        ObjectNode ref = Status.JSON.objectNode();
        ref.put("group", t.group());
        ref.put("kind", t.kind());
        ref.put("namespace", ns);
        ref.put("name", t.name());
        if (t.sectionName() != null) ref.put("sectionName", t.sectionName());
        return ref;
    }

    private static ObjectNode withAncestors(ArrayNode ancestors) {
        ObjectNode st = Status.JSON.objectNode();
        st.set("ancestors", ancestors);
        return st;
    }
}
