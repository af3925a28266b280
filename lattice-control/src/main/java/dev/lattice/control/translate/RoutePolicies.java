package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.model.ObjectMeta;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The attachment path of the policy kinds that act per route (JWTPolicy, RateLimitPolicy, RequestValidationPolicy):
 * for each {@link RouteSite}, the one policy of a kind that governs it. As in Envoy Gateway, the most specific
 * attachment wins outright (no merging): a rule of a route ({@code HTTPRoute}/{@code GRPCRoute} with a
 * {@code sectionName} naming the rule), then the route, then a Gateway listener (a Gateway with {@code sectionName}),
 * then the Gateway; at an inbound sidecar a Workload, then a Service selecting it. Among equally specific
 * attachments the oldest wins (the policies are given oldest first) and the others are {@link #conflicted}.
 *
 * <p>A policy whose current version does not validate and has no last good version ({@code rejected} without a
 * valid version) fails closed wherever it may have meant to attach ({@link Effective#broken()}), ahead of any valid
 * policy there; one that has a last good version keeps serving that version (it is among the valid ones).
 *
 * @param <P> the policy's model record
 */
final class RoutePolicies<P> {
    /** Specificity on the Gateway side. */
    static final int NONE = 0;
    static final int GATEWAY = 1;
    static final int LISTENER = 2;
    static final int ROUTE = 3;
    static final int RULE = 4;

    /**
     * What governs a site: a valid policy, or a broken one (its resource) that must fail closed, or neither
     * ({@link #NONE_EFFECTIVE}); never both.
     */
    record Effective<P>(P policy, Resource broken) {
        boolean none() {
            return policy == null && broken == null;
        }
    }

    @SuppressWarnings("rawtypes")
    private static final Effective NONE_EFFECTIVE = new Effective<>(null, null);

    private final PolicyTargets targets;
    private final List<P> policies;
    private final Function<P, ObjectMeta> meta;
    private final Function<P, List<PolicyTargetRef>> refs;
    private final List<Resource> broken = new ArrayList<>();
    private final Set<P> conflicted = new HashSet<>();

    /**
     * @param kind     the policy kind ({@code Resource.kind()}), to pick its broken versions out of {@code rejected}
     * @param policies the valid policies (last good versions included), oldest first
     * @param rejected the snapshot's rejected resources (current versions that do not validate), of every kind
     */
    RoutePolicies(MeshIndex index, String kind, List<P> policies, Function<P, ObjectMeta> meta,
                  Function<P, List<PolicyTargetRef>> refs, List<Resource> rejected) {
        this.targets = new PolicyTargets(index);
        this.policies = List.copyOf(policies);
        this.meta = meta;
        this.refs = refs;
        Set<ResourceKey> valid = new HashSet<>();
        for (P p : policies) valid.add(new ResourceKey(kind, meta.apply(p).namespace(), meta.apply(p).name()));
        for (Resource r : rejected) {
            if (r.kind().equals(kind) && !valid.contains(r.key())) broken.add(r);
        }
    }

    /** The policy that governs {@code site}. */
    @SuppressWarnings("unchecked")
    Effective<P> at(RouteSite site) {
        for (Resource r : broken) {
            if (rawApplies(r, site)) return new Effective<>(null, r);
        }
        P best = null;
        int bestRank = NONE;
        for (P p : policies) { // oldest first: a later one must be more specific to win
            int rank = rank(p, site);
            if (rank == NONE) continue;
            if (rank > bestRank) {
                best = p;
                bestRank = rank;
            } else if (rank == bestRank) {
                conflicted.add(p);
            }
        }
        return best == null ? NONE_EFFECTIVE : new Effective<>(best, null);
    }

    /**
     * The policies that lost to an older, equally specific one at some site asked about so far (their status says
     * {@code Conflicted}); ask after every site is resolved.
     */
    Set<P> conflicted() {
        return Set.copyOf(conflicted);
    }

    /** How specifically {@code p} attaches to {@code site}: one of the constants above, or PolicyTargets' for sidecars. */
    int rank(P p, RouteSite site) {
        String ns = meta.apply(p).namespace();
        List<PolicyTargetRef> rs = refs.apply(p);
        if (rs.isEmpty()) return NONE;
        if (site.inbound() != null) return targets.workload(ns, rs, site.inbound());
        int rank = NONE;
        for (PolicyTargetRef t : rs) {
            rank = Math.max(rank, rank(ns, t.group(), t.kind(), t.name(), t.sectionName(), site));
        }
        return rank;
    }

    private static int rank(String ns, String group, String kind, String name, String section, RouteSite site) {
        if (!group.equals(PolicyTargetRef.GATEWAY_GROUP)) return NONE;
        if (site.route() != null && ns.equals(site.route().namespace()) && name.equals(site.route().name())
                && kind.equals(site.route().kind()) && (kind.equals(PolicyTargetRef.HTTP_ROUTE.kind()) || kind.equals(PolicyTargetRef.GRPC_ROUTE.kind()))) {
            if (section == null) return ROUTE;
            return section.equals(site.rule()) ? RULE : NONE;
        }
        if (site.gateway() != null && kind.equals(PolicyTargetRef.GATEWAY.kind()) && ns.equals(site.gateway().meta().namespace())
                && name.equals(site.gateway().meta().name())) {
            if (section == null) return GATEWAY;
            return site.sections().contains(section) ? LISTENER : NONE;
        }
        return NONE;
    }

    /**
     * Whether a policy that does not validate may have meant {@code site}: targetRefs absent, empty or unreadable
     * (then anything in its namespace), a kind this path does not know, or a target that names the site.
     */
    private boolean rawApplies(Resource r, RouteSite site) {
        String ns = r.namespace();
        boolean sameNs = site.inbound() != null ? ns.equals(site.inbound().meta().namespace())
                : (site.route() != null && ns.equals(site.route().namespace()))
                        || (site.gateway() != null && ns.equals(site.gateway().meta().namespace()));
        if (!sameNs) return false;
        JsonNode refs = r.object().path("spec").path("targetRefs");
        if (!refs.isArray() || refs.isEmpty()) return true;
        for (JsonNode t : refs) {
            JsonNode kind = t.get("kind");
            JsonNode name = t.get("name");
            if (kind == null || !kind.isTextual() || name == null || !name.isTextual()) return true;
            String k = kind.asText();
            JsonNode sectionNode = t.get("sectionName");
            String section = sectionNode != null && sectionNode.isTextual() && !sectionNode.asText().isEmpty() ? sectionNode.asText() : null;
            if (k.equals(PolicyTargetRef.GATEWAY.kind()) || k.equals(PolicyTargetRef.HTTP_ROUTE.kind())
                    || k.equals(PolicyTargetRef.GRPC_ROUTE.kind())) {
                if (site.inbound() == null && rank(ns, PolicyTargetRef.GATEWAY_GROUP, k, name.asText(), section, site) != NONE) return true;
            } else if (k.equals(PolicyTargetRef.SERVICE.kind()) || k.equals(PolicyTargetRef.WORKLOAD.kind())) {
                String group = k.equals(PolicyTargetRef.SERVICE.kind()) ? "" : PolicyTargetRef.LATTICE_GROUP;
                if (site.inbound() != null && targets.workload(ns, List.of(new PolicyTargetRef(group, k, name.asText(), null)),
                        site.inbound()) != PolicyTargets.NONE) return true;
            } else {
                return true; // an unknown kind could have meant anything
            }
        }
        return false;
    }
}
