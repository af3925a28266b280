package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * The HTTPRoute CORS filter (docs/xds.md): each route with a CORS policy carries a {@code CorsPolicy} as
 * {@code typed_per_filter_config["envoy.filters.http.cors"]}, and a connection manager with such a route lists
 * {@code envoy.filters.http.cors} (an empty {@code Cors}), without which Envoy would ignore the per-route policies.
 */
final class CorsFilter implements TranslatorFilter {
    static final String NAME = "envoy.filters.http.cors";

    @Override
    public FilterOrder order() {
        return FilterOrder.CORS;
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        boolean any = hcm.virtualHosts().stream().flatMap(v -> v.routes().stream()).anyMatch(r -> r.filters().cors() != null);
        if (!any) return List.of();
        return List.of(HttpFilter.newBuilder().setName(NAME).setTypedConfig(Any.pack(Cors.getDefaultInstance())).build());
    }

    @Override
    public void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
        if (route.filters().cors() != null) xds.putTypedPerFilterConfig(NAME, Any.pack(policy(route.filters().cors())));
    }

    static CorsPolicy policy(Ir.Cors c) {
        CorsPolicy.Builder b = CorsPolicy.newBuilder();
        for (Ir.OriginMatch o : c.allowOrigins()) {
            b.addAllowOriginStringMatch(o.regex()
                    ? StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(o.value())).build()
                    : StringMatcher.newBuilder().setExact(o.value()).build());
        }
        if (!c.allowMethods().isEmpty()) b.setAllowMethods(String.join(",", c.allowMethods()));
        if (!c.allowHeaders().isEmpty()) b.setAllowHeaders(String.join(",", c.allowHeaders()));
        if (!c.exposeHeaders().isEmpty()) b.setExposeHeaders(String.join(",", c.exposeHeaders()));
        b.setMaxAge(Integer.toString(c.maxAge()));
        b.setAllowCredentials(BoolValue.of(c.allowCredentials()));
        return b.build();
    }
}
