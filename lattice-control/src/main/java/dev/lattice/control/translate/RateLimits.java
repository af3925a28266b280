package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.RateLimitPolicy;
import dev.lattice.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RateLimitPolicy → {@link Ir.RateLimit}: which policy governs a route ({@link RoutePolicies}) and its rules. Global
 * rules need the mesh's Redis (MeshConfig {@code spec.rateLimit.redis}): a policy with global rules in a mesh without
 * one is a problem on the policy ({@link #checkRedis}) and fails closed (503) where it attaches.
 */
final class RateLimits {
    private RateLimits() {}

    static RoutePolicies<RateLimitPolicy> policies(MeshIndex index, List<Resource> rejected) {
        return new RoutePolicies<>(index, RateLimitPolicy.KIND, index.rateLimitPolicies, RateLimitPolicy::meta,
                RateLimitPolicy::targetRefs, rejected);
    }

    /** The mesh's rate-limit Redis ({@code host:port} from the MeshConfig that counts), or null. */
    static String redis(MeshIndex index) {
        return index.meshConfigs.isEmpty() ? null : index.meshConfigs.get(0).rateLimitRedis();
    }

    /** One problem per policy with global rules when the mesh has no Redis for them. */
    static void checkRedis(MeshIndex index, String redis, List<dev.lattice.model.Problem> problems) {
        if (redis != null) return;
        for (RateLimitPolicy p : index.rateLimitPolicies) {
            if (p.global() == null) continue;
            problems.add(dev.lattice.model.Lines.problem(index.resource(p), "spec.global",
                    "global rules need the mesh's Redis: set MeshConfig spec.rateLimit.redis (host:port); until then "
                            + "this policy answers 503 where it attaches"));
        }
    }

    /** The IR of what governs a site, or null for none; {@code redis} the mesh's Redis (null: none). */
    static Ir.RateLimit ir(RoutePolicies.Effective<RateLimitPolicy> e, String redis) {
        if (e.none()) return null;
        if (e.broken() != null) return new Ir.RateLimit(e.broken().namespace() + "/" + e.broken().name(), List.of(), true);
        RateLimitPolicy p = e.policy();
        String name = p.meta().namespace() + "/" + p.meta().name();
        if (p.global() != null && redis == null) return new Ir.RateLimit(name, List.of(), true); // fail closed
        List<Ir.RateLimitRule> local = new ArrayList<>();
        if (p.local() != null) for (RateLimitPolicy.Rule r : p.local().rules()) local.add(rule(r));
        Ir.GlobalRateLimit global = null;
        if (p.global() != null) {
            List<Ir.RateLimitRule> rules = new ArrayList<>();
            for (RateLimitPolicy.Rule r : p.global().rules()) rules.add(rule(r));
            global = new Ir.GlobalRateLimit(rules, p.global().failureMode() == RateLimitPolicy.FailureMode.CLOSED, redis);
        }
        return new Ir.RateLimit(name, local, false, global);
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
