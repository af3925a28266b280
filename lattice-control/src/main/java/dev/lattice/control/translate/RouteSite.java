package dev.lattice.control.translate;

import dev.lattice.model.Gateway;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Workload;
import java.util.Set;

/**
 * Where one IR route is served, for the policies that attach to routes ({@link RoutePolicies}: JWT, rate limits,
 * request validation): on a Gateway's listeners ({@code sections}, the Gateway listener names that serve the route's
 * virtual host) for a rule of an HTTPRoute or GRPCRoute; on a client's outbound sidecar for a rule of a GAMMA route
 * (no Gateway); or at a destination's inbound sidecar ({@code inbound}: the Workload whose app the route reaches).
 *
 * @param route the HTTPRoute's or GRPCRoute's key, null at an inbound sidecar
 * @param rule  the rule's {@code name}, null when it has none (or at an inbound sidecar)
 */
record RouteSite(Gateway gateway, Set<String> sections, ResourceKey route, String rule, Workload inbound) {
    RouteSite {
        sections = sections == null ? Set.of() : Set.copyOf(sections);
    }

    static RouteSite gateway(Gateway g, Set<String> sections, ResourceKey route, String rule) {
        return new RouteSite(g, sections, route, rule, null);
    }

    static RouteSite mesh(ResourceKey route, String rule) {
        return new RouteSite(null, Set.of(), route, rule, null);
    }

    static RouteSite inbound(Workload w) {
        return new RouteSite(null, Set.of(), null, null, w);
    }
}
