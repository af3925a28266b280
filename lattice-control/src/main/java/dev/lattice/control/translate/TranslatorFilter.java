package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;

/**
 * One kind of HTTP filter on the xDS side: from IR policy to the connection manager's {@code http_filters} entries and
 * to each route's part of it (its {@code typed_per_filter_config}). A new policy kind adds a model record, an IR
 * field, one of these (in its {@link FilterOrder} slot, listed in {@link TranslatorFilters#MESH}) and a proxy filter.
 * Implementations are pure and stateless.
 */
interface TranslatorFilter {
    /** Its slot in the one order. */
    FilterOrder order();

    /**
     * The {@code http_filters} entries it contributes to this connection manager, in their own order (they all sit in
     * its slot); empty when no route or policy of {@code hcm} needs it, so a listener without policies pays nothing.
     */
    List<HttpFilter> httpFilters(Ir.Hcm hcm);

    /** Adds its per-route config for {@code route} (of {@code hcm}) to the xDS route being built; nothing by default. */
    default void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {}
}
