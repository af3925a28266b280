package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.AuthorizationPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one ordering table: {@link FilterOrder} decides the order of http_filters and of route patches, nothing else. */
class TranslatorFiltersTest {
    static final Ir.Match ALL = new Ir.Match(Ir.PathKind.PREFIX, "/", List.of(), List.of());

    /** A filter in {@code slot} that contributes one entry named after it when its slot is in {@code on}. */
    record Fake(FilterOrder order, Set<FilterOrder> on, List<String> patched) implements TranslatorFilter {
        @Override
        public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
            if (!on.contains(order)) return List.of();
            return List.of(HttpFilter.newBuilder().setName(order.name()).build());
        }

        @Override
        public void patchRoute(Route.Builder xds, Ir.Route route, Ir.Hcm hcm) {
            if (on.contains(order)) patched.add(order.name());
        }
    }

    static Ir.Hcm hcm(Ir.Authz authz, Ir.Route... routes) {
        return new Ir.Hcm("test", false, "test", List.of(new Ir.VirtualHost("vh", List.of("*"), List.of(routes))), authz);
    }

    static Ir.Route route(Ir.Session session, Ir.Cors cors) {
        return new Ir.Route("r", ALL, new Ir.Forward(List.of(new Ir.WeightedCluster("c", 1)), false, null, null, List.of(), 0,
                null, session), new Ir.RouteFilters(Ir.HeaderOps.NONE, Ir.HeaderOps.NONE, cors));
    }

    @Test
    void entriesAndPatchesComeInTableOrderWhicheverFiltersContributeAndInWhateverOrderTheyAreListed() {
        FilterOrder[] slots = FilterOrder.values();
        FilterOrder[] policies = Arrays.copyOf(slots, slots.length - 1); // all but the router
        for (int mask = 0; mask < 1 << policies.length; mask++) {
            Set<FilterOrder> on = EnumSet.of(FilterOrder.ROUTER);
            for (int i = 0; i < policies.length; i++) if ((mask & 1 << i) != 0) on.add(policies[i]);
            List<String> patched = new ArrayList<>();
            List<TranslatorFilter> listed = new ArrayList<>();
            for (FilterOrder s : slots) listed.add(new Fake(s, on, patched));
            java.util.Collections.rotate(listed, mask % slots.length); // listed out of order
            if (mask % 2 == 0) java.util.Collections.reverse(listed);
            TranslatorFilters filters = new TranslatorFilters(listed);

            List<String> expected = on.stream().map(FilterOrder::name).toList(); // EnumSet: table order
            Ir.Hcm h = hcm(null, route(null, null));
            assertThat(filters.httpFilters(h)).extracting(HttpFilter::getName).as("mask %s", mask).isEqualTo(expected);
            filters.patchRoute(Route.newBuilder(), h.virtualHosts().get(0).routes().get(0), h);
            assertThat(patched).as("mask %s", mask).isEqualTo(expected);
        }
    }

    @Test
    void theRouterIsTheLastSlotAndEveryOtherSlotIsFilledExactlyWhenNotReserved() {
        FilterOrder[] slots = FilterOrder.values();
        assertThat(slots[slots.length - 1]).isEqualTo(FilterOrder.ROUTER);
        Set<FilterOrder> filled = EnumSet.noneOf(FilterOrder.class);
        for (TranslatorFilter f : TranslatorFilters.MESH.filters()) filled.add(f.order());
        for (FilterOrder s : slots) assertThat(filled.contains(s)).as(s.name()).isEqualTo(!s.reserved());
    }

    @Test
    void oneFilterPerSlotAndARouterAreRequired() {
        assertThatThrownBy(() -> new TranslatorFilters(List.of(TranslatorFilters.ROUTER, TranslatorFilters.ROUTER)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TranslatorFilters(List.of(TranslatorFilters.AUTHORIZATION)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aListenerWithoutPoliciesGetsOnlyTheRouterAndItsRoutesPayNothing() {
        HttpConnectionManager m = XdsBuilder.hcm(hcm(null, route(null, null)));
        assertThat(m.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(XdsBuilder.ROUTER);
        Route r = m.getRouteConfig().getVirtualHosts(0).getRoutes(0);
        assertThat(r.getTypedPerFilterConfigMap()).isEmpty();
        assertThat(r.hasMetadata()).isFalse();
    }

    @Test
    void theMeshFiltersInTheirSlots() {
        AuthorizationPolicy.Rule any = new AuthorizationPolicy.Rule(List.of(), List.of(), List.of());
        List<Ir.AuthzPolicy> policies = new ArrayList<>();
        for (AuthorizationPolicy.Action a : List.of(AuthorizationPolicy.Action.ALLOW, AuthorizationPolicy.Action.DENY,
                AuthorizationPolicy.Action.AUDIT)) {
            policies.add(new Ir.AuthzPolicy("AuthorizationPolicy/default/" + a, a, false, List.of(any)));
        }
        Ir.Authz authz = new Ir.Authz(9080, "127.0.0.1", policies);
        Ir.Cors cors = new Ir.Cors(List.of(new Ir.OriginMatch(false, "https://a.example")), List.of("GET"), List.of(), List.of(),
                60, false);
        Ir.Session session = new Ir.Session(true, "s", null, 0, 0);

        HttpConnectionManager m = XdsBuilder.hcm(hcm(authz, route(null, null), route(session, cors)));
        assertThat(m.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(CorsFilter.NAME, SessionFilter.NAME,
                AuthzXds.AUDIT, AuthzXds.DENY, AuthzXds.ALLOW, XdsBuilder.ROUTER);
        assertThat(m.getHttpFilters(1).getDisabled()).isTrue();
        List<Route> routes = m.getRouteConfig().getVirtualHosts(0).getRoutesList();
        assertThat(routes.get(0).getTypedPerFilterConfigMap()).isEmpty();
        assertThat(routes.get(1).getTypedPerFilterConfigMap()).containsOnlyKeys(CorsFilter.NAME, SessionFilter.NAME);

        HttpConnectionManager authzOnly = XdsBuilder.hcm(hcm(authz, route(null, null)));
        assertThat(authzOnly.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
                AuthzXds.AUDIT, AuthzXds.DENY, AuthzXds.ALLOW, XdsBuilder.ROUTER);
    }
}
