package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.api.filters.http.ratelimit.v1.RateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.RateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.api.filters.http.ratelimit.v1.Selector;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Locale;

/**
 * RateLimitPolicy's local rules (docs/xds.md, "Rate limits"): a connection manager with a route governed by such a
 * policy lists {@code lattice.filters.http.local_ratelimit} (an empty {@code RateLimit}); each such route carries its
 * policy's {@code RateLimitPerRoute} under that name. A listener without one has no entry.
 */
final class LocalRateLimitFilter implements TranslatorFilter {
    static final String NAME = "lattice.filters.http.local_ratelimit";

    @Override
    public FilterOrder order() {
        return FilterOrder.LOCAL_RATE_LIMIT;
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        boolean any = hcm.virtualHosts().stream().flatMap(v -> v.routes().stream()).anyMatch(r -> local(r) != null);
        if (!any) return List.of();
        return List.of(HttpFilter.newBuilder().setName(NAME).setTypedConfig(Any.pack(RateLimit.getDefaultInstance())).build());
    }

    @Override
    public void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
        Ir.RateLimit rl = local(route);
        if (rl == null) return;
        xds.putTypedPerFilterConfig(NAME, Any.pack(perRoute(rl)));
    }

    /** The route's policy when this filter has work there (local rules, or a broken policy to answer 503), else null. */
    private static Ir.RateLimit local(Ir.Route r) {
        Ir.RateLimit rl = r.policies() == null ? null : r.policies().rateLimit();
        return rl == null || (rl.local().isEmpty() && !rl.broken()) ? null : rl;
    }

    static RateLimitPerRoute perRoute(Ir.RateLimit rl) {
        RateLimitPerRoute.Builder b = RateLimitPerRoute.newBuilder().setPolicy(rl.policy()).setBroken(rl.broken());
        for (Ir.RateLimitRule r : rl.local()) {
            Rule.Builder rb = Rule.newBuilder().setRequests(r.requests()).setUnitSeconds(r.unitSeconds()).setBurst(r.burst());
            for (Ir.RateLimitSelector s : r.selectors()) {
                Selector.Builder sb = Selector.newBuilder()
                        .setSource(Selector.Source.valueOf(s.source().toUpperCase(Locale.ROOT)))
                        .setDistinct(s.distinct()).setPathPrefix(s.pathPrefix());
                if (s.name() != null) sb.setName(s.name());
                if (s.value() != null) sb.setValue(s.value());
                rb.addSelectors(sb);
            }
            b.addRules(rb);
        }
        return b.build();
    }
}
