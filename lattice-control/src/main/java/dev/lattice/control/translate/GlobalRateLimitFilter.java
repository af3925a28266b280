package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.RateLimitPerRoute;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;

/**
 * RateLimitPolicy's global rules (docs/xds.md, "Rate limits"): a connection manager with a route governed by a policy
 * with global rules lists {@code lattice.filters.http.ratelimit} with a {@code GlobalRateLimit} naming the mesh's
 * Redis; each such route carries the policy's {@code GlobalRateLimitPerRoute} under that name. A listener without one
 * has no entry.
 */
final class GlobalRateLimitFilter implements TranslatorFilter {
    static final String NAME = "lattice.filters.http.ratelimit";

    @Override
    public FilterOrder order() {
        return FilterOrder.GLOBAL_RATE_LIMIT;
    }

    private static Ir.GlobalRateLimit global(Ir.Route r) {
        return r.policies() == null || r.policies().rateLimit() == null ? null : r.policies().rateLimit().global();
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        Ir.GlobalRateLimit any = hcm.virtualHosts().stream().flatMap(v -> v.routes().stream())
                .map(GlobalRateLimitFilter::global).filter(g -> g != null).findFirst().orElse(null);
        if (any == null) return List.of();
        // one mesh, one Redis: every route's global rules carry the same address (MeshConfig's)
        return List.of(HttpFilter.newBuilder().setName(NAME)
                .setTypedConfig(Any.pack(GlobalRateLimit.newBuilder().setRedisAddress(any.redis()).build())).build());
    }

    @Override
    public void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
        Ir.GlobalRateLimit g = global(route);
        if (g == null) return;
        // the rules' shape is the local filter's; only the counting differs
        RateLimitPerRoute rules = LocalRateLimitFilter.perRoute(new Ir.RateLimit(route.policies().rateLimit().policy(), g.rules(), false));
        xds.putTypedPerFilterConfig(NAME, Any.pack(GlobalRateLimitPerRoute.newBuilder()
                .setPolicy(rules.getPolicy()).addAllRules(rules.getRulesList()).setFailClosed(g.failClosed()).build()));
    }
}
