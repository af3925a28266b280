package dev.lattice.proxy.xds;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.SessionPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Session persistence (stateful_session per route) and backendRef-level rewrite/redirect from xDS into config. */
class XdsSessionTest {
    static final String COOKIE_STATE = "\"@type\": \"type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState\"";
    static final String HEADER_STATE = "\"@type\": \"type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState\"";

    private static RouteConfig only(String routeJson) {
        ProxyConfig pc = BootstrapLoader.parse(bootstrap(List.of(listener("l", 0, false, vhost("v", List.of("*"), routeJson))),
                List.of()), "t");
        return pc.listeners().get(0).virtualHosts().get(0).routes().get(0);
    }

    /** The typed_per_filter_config member of a route with session state {@code state} (JSON fields). */
    static String session(String state, String extra) {
        return "\"typed_per_filter_config\": {\"envoy.filters.http.stateful_session\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute\", "
                + "\"stateful_session\": {" + extra + "\"session_state\": {\"name\": \"s\", \"typed_config\": {" + state + "}}}}}";
    }

    @Test
    void cookieSessionWithPathAndTtl() {
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/c\"}, \"route\": {\"cluster\": \"a\"}, "
                + session(COOKIE_STATE + ", \"cookie\": {\"name\": \"sticky\", \"path\": \"/c\", \"ttl\": \"3600s\"}", "") + "}");
        assertThat(((RouteAction.Forward) r.action()).session()).isEqualTo(new SessionPolicy(SessionPolicy.Kind.COOKIE,
                "sticky", "/c", Duration.ofHours(1), Duration.ofHours(1)));
    }

    @Test
    void theDisabledHcmFilterEntryIsAccepted() {
        String route = "{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"a\"}, "
                + session(COOKIE_STATE + ", \"cookie\": {\"name\": \"s\"}", "") + "}";
        String json = bootstrap(List.of(listener("l", 0, false, vhost("v", List.of("*"), route))), List.of())
                .replace("\"http_filters\": [", "\"http_filters\": [{\"name\": \"envoy.filters.http.stateful_session\", "
                        + "\"disabled\": true, \"typed_config\": {\"@type\": "
                        + "\"type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSession\"}}, ");
        assertThat(json).contains("stateful_session.v3.StatefulSession\"");
        RouteConfig r = BootstrapLoader.parse(json, "t").listeners().get(0).virtualHosts().get(0).routes().get(0);
        assertThat(((RouteAction.Forward) r.action()).session().name()).isEqualTo("s");
    }

    @Test
    void headerSessionTakesItsLifetimeFromRouteMetadata() {
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/h\"}, \"route\": {\"cluster\": \"a\"}, "
                + "\"metadata\": {\"filter_metadata\": {\"lattice\": {\"session_lifetime_seconds\": 90}}}, "
                + session(HEADER_STATE + ", \"name\": \"X-Session\"", "") + "}");
        assertThat(((RouteAction.Forward) r.action()).session()).isEqualTo(new SessionPolicy(SessionPolicy.Kind.HEADER,
                "x-session", null, Duration.ZERO, Duration.ofSeconds(90)));
    }

    @Test
    void unsupportedSessionConfigIsNackedWithItsPlace() {
        assertThatThrownBy(() -> only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"a\"}, "
                + session(COOKIE_STATE + ", \"cookie\": {\"name\": \"s\"}", "\"strict\": true, ") + "}"))
                .hasMessageContaining("typed_per_filter_config[\"envoy.filters.http.stateful_session\"].stateful_session.strict");
        assertThatThrownBy(() -> only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"direct_response\": {\"status\": 200}, "
                + session(COOKIE_STATE + ", \"cookie\": {\"name\": \"s\"}", "") + "}"))
                .hasMessageContaining("session persistence needs a route action");
    }

    @Test
    void backendRewriteAndRedirectOnWeightedClusters() {
        String rewrite = "\"lattice.backend_url_rewrite\": {\"@type\": \"type.googleapis.com/envoy.config.route.v3.FilterConfig\","
                + " \"is_optional\": true, \"config\": {\"@type\": \"type.googleapis.com/envoy.config.route.v3.RouteAction\","
                + " \"prefix_rewrite\": \"/new\"}}";
        String redirect = "\"lattice.backend_redirect\": {\"@type\": \"type.googleapis.com/envoy.config.route.v3.FilterConfig\","
                + " \"is_optional\": true, \"config\": {\"@type\": \"type.googleapis.com/envoy.config.route.v3.RedirectAction\","
                + " \"path_redirect\": \"/there\", \"port_redirect\": 8080}}";
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"weighted_clusters\": {\"clusters\": ["
                + "{\"name\": \"a\", \"weight\": 1, \"host_rewrite_literal\": \"h.example\", \"typed_per_filter_config\": {" + rewrite + "}},"
                + "{\"name\": \"b\", \"weight\": 1, \"typed_per_filter_config\": {" + redirect + "}},"
                + "{\"name\": \"c\", \"weight\": 1}]}}}");
        List<RouteAction.WeightedCluster> cs = ((RouteAction.Forward) r.action()).clusters();
        assertThat(cs.get(0).rewrite()).isEqualTo(new RouteAction.Rewrite("/new", null, null, "h.example"));
        assertThat(cs.get(0).redirect()).isNull();
        assertThat(cs.get(1).redirect()).isEqualTo(new RouteAction.Redirect(null, null, 8080, "/there", null, 301));
        assertThat(cs.get(2).rewrite()).isEqualTo(RouteAction.Rewrite.NONE);
        assertThat(cs.get(2).redirect()).isNull();
    }
}
