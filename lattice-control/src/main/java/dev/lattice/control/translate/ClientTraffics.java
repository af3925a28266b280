package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.ClientTrafficPolicy;
import dev.lattice.model.Gateway;
import dev.lattice.model.Resource;
import dev.lattice.model.Workload;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ClientTrafficPolicy's attachment (issue #7): for each connection manager (a Gateway port's plain HTTP listener, one
 * HTTPS listener's filter chain, a sidecar's inbound listener) the one policy that sets its client timeouts, connection
 * limit and HTTP/2 stream limit, through {@link RoutePolicies} with a site that has no route: a Gateway listener
 * ({@code sectionName}) beats the Gateway, a Workload beats a Service; the oldest wins among equals, the others are
 * Conflicted. The Gateway listeners that share a plain HTTP port share one connection manager, so a policy for any of
 * them sets it for all of them (a second, younger policy for another of them is Conflicted there).
 *
 * <p>A policy whose current version does not validate and that has no last good version leaves its targets on the
 * defaults (10 s, 1 h, no connection limit, 1024 streams), which already protect every listener; its status says
 * Invalid. Refusing connections for a mistyped timeout would take a whole Gateway down.
 */
final class ClientTraffics {
    private final RoutePolicies<ClientTrafficPolicy> policies;
    /** Policies that set some connection manager's settings. */
    private final Set<ClientTrafficPolicy> applied = new HashSet<>();

    ClientTraffics(MeshIndex index, List<Resource> rejected) {
        this.policies = new RoutePolicies<>(index, ClientTrafficPolicy.KIND, index.clientTrafficPolicies,
                ClientTrafficPolicy::meta, ClientTrafficPolicy::targetRefs, rejected);
    }

    /** The settings of the connection manager that serves Gateway {@code g}'s listeners {@code sections}; null: defaults. */
    Ir.ClientTraffic gateway(Gateway g, Set<String> sections) {
        return of(policies.at(RouteSite.gateway(g, sections, null, null)));
    }

    /** The settings of workload {@code w}'s inbound sidecar listeners; null: defaults. */
    Ir.ClientTraffic inbound(Workload w) {
        return of(policies.at(RouteSite.inbound(w)));
    }

    private Ir.ClientTraffic of(RoutePolicies.Effective<ClientTrafficPolicy> e) {
        ClientTrafficPolicy p = e.policy();
        if (p == null) return null; // none, or a broken one without a last good version: the defaults
        applied.add(p);
        return new Ir.ClientTraffic(p.requestHeadersTimeoutMillis(), p.idleTimeoutMillis(), p.maxConcurrentStreams(),
                p.maxConnections(), p.meta().namespace() + "/" + p.meta().name());
    }

    /**
     * The policies that apply nowhere because an older, equally specific one wins wherever they attach (their status:
     * Conflicted, naming why); ask after every site is resolved.
     */
    Map<ClientTrafficPolicy, String> conflicted() {
        Map<ClientTrafficPolicy, String> out = new java.util.HashMap<>();
        for (ClientTrafficPolicy p : policies.conflicted()) {
            if (applied.contains(p)) continue;
            out.put(p, "an older ClientTrafficPolicy attaches as specifically to the same listeners and applies there");
        }
        return out;
    }
}
