package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.RateLimitPolicy;
import dev.lattice.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** RateLimitPolicy → {@link Ir.RateLimit}: which policy governs a route ({@link RoutePolicies}) and its rules. */
final class RateLimits {
    private RateLimits() {}

    static RoutePolicies<RateLimitPolicy> policies(MeshIndex index, List<Resource> rejected) {
        return new RoutePolicies<>(index, RateLimitPolicy.KIND, index.rateLimitPolicies, RateLimitPolicy::meta,
                RateLimitPolicy::targetRefs, rejected);
    }

    /** The IR of what governs a site, or null for none. */
    static Ir.RateLimit ir(RoutePolicies.Effective<RateLimitPolicy> e) {
        if (e.none()) return null;
        if (e.broken() != null) return new Ir.RateLimit(e.broken().namespace() + "/" + e.broken().name(), List.of(), true);
        RateLimitPolicy p = e.policy();
        List<Ir.RateLimitRule> local = new ArrayList<>();
        if (p.local() != null) for (RateLimitPolicy.Rule r : p.local().rules()) local.add(rule(r));
        return new Ir.RateLimit(p.meta().namespace() + "/" + p.meta().name(), local, false);
    }

    private static Ir.RateLimitRule rule(RateLimitPolicy.Rule r) {
        List<Ir.RateLimitSelector> sel = new ArrayList<>();
        for (RateLimitPolicy.Selector s : r.clientSelectors()) {
            sel.add(new Ir.RateLimitSelector(s.source().name().toLowerCase(Locale.ROOT), s.name(),
                    s.type() == RateLimitPolicy.MatchType.DISTINCT, s.value(), s.pathType() == RateLimitPolicy.PathType.PATH_PREFIX));
        }
        return new Ir.RateLimitRule(r.requests(), r.unit().seconds, r.burst(), sel);
    }
}
