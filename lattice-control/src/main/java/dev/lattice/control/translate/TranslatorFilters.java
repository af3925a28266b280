package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A set of {@link TranslatorFilter}s, at most one per {@link FilterOrder} slot, applied in the table's order: a
 * connection manager's {@code http_filters} are the slots' entries in that order (the router last), and each xDS
 * route is patched by every filter in that order. {@link #MESH} is the set the control plane sends.
 */
final class TranslatorFilters {
    /** The router: always the last entry. */
    static final TranslatorFilter ROUTER = new TranslatorFilter() {
        private static final List<HttpFilter> ENTRY = List.of(HttpFilter.newBuilder().setName(XdsBuilder.ROUTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build());

        @Override
        public FilterOrder order() {
            return FilterOrder.ROUTER;
        }

        @Override
        public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
            return ENTRY;
        }
    };

    /** Authorization: the RBAC filters of {@link AuthzXds} for the connection manager's {@code authz}. */
    static final TranslatorFilter AUTHORIZATION = new TranslatorFilter() {
        @Override
        public FilterOrder order() {
            return FilterOrder.AUTHORIZATION;
        }

        @Override
        public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
            return AuthzXds.filters(hcm.authz());
        }
    };

    /** Every translator filter the mesh has; the list's order does not matter, the slots' does. */
    static final TranslatorFilters MESH = new TranslatorFilters(List.of(
            new CorsFilter(), new JwtAuthnFilter(), new SessionFilter(), AUTHORIZATION, new LocalRateLimitFilter(), new GlobalRateLimitFilter(), new ValidationFilter(), ROUTER));

    private final List<TranslatorFilter> ordered;

    TranslatorFilters(List<TranslatorFilter> filters) {
        Map<FilterOrder, TranslatorFilter> bySlot = new EnumMap<>(FilterOrder.class);
        for (TranslatorFilter f : filters) {
            TranslatorFilter other = bySlot.put(f.order(), f);
            if (other != null) throw new IllegalArgumentException("two translator filters in slot " + f.order());
        }
        if (!bySlot.containsKey(FilterOrder.ROUTER)) throw new IllegalArgumentException("no router");
        this.ordered = List.copyOf(bySlot.values()); // EnumMap iterates in slot order
    }

    /** The filters, in slot order. */
    List<TranslatorFilter> filters() {
        return ordered;
    }

    /** The connection manager's {@code http_filters}: every slot's entries, in slot order; the router is last. */
    List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        List<HttpFilter> out = new ArrayList<>();
        for (TranslatorFilter f : ordered) out.addAll(f.httpFilters(hcm));
        return out;
    }

    /** Patches the xDS route built from {@code route} with every filter's per-route config, in slot order. */
    void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
        for (TranslatorFilter f : ordered) f.patchRoute(xds, route, hcm);
    }
}
