package dev.lattice.proxy.xds;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Route filters, redirects, rewrites, mirrors, retries from xDS into the proxy's config records. */
class XdsRouteFiltersTest {
    private static RouteConfig only(String routeJson) {
        ProxyConfig pc = BootstrapLoader.parse(bootstrap(List.of(listener("l", 0, false, vhost("v", List.of("*"), routeJson))),
                List.of()), "t");
        return pc.listeners().get(0).virtualHosts().get(0).routes().get(0);
    }

    @Test
    void headerModifiersAtRouteAndBackendLevel() {
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"},"
                + " \"request_headers_to_add\": [{\"header\": {\"key\": \"X-Set\", \"value\": \"1\"}, \"append_action\": \"OVERWRITE_IF_EXISTS_OR_ADD\"},"
                + " {\"header\": {\"key\": \"x-add\", \"value\": \"2\"}, \"append_action\": \"APPEND_IF_EXISTS_OR_ADD\"}],"
                + " \"request_headers_to_remove\": [\"X-Gone\"],"
                + " \"response_headers_to_add\": [{\"header\": {\"key\": \"x-r\", \"value\": \"v\"}, \"append_action\": \"OVERWRITE_IF_EXISTS_OR_ADD\"}],"
                + " \"route\": {\"weighted_clusters\": {\"clusters\": [{\"name\": \"a\", \"weight\": 1,"
                + " \"request_headers_to_add\": [{\"header\": {\"key\": \"x-b\", \"value\": \"b\"}, \"append_action\": \"OVERWRITE_IF_EXISTS_OR_ADD\"}],"
                + " \"response_headers_to_remove\": [\"server\"]}]}, \"timeout\": \"0s\"}}");
        assertThat(r.requestHeaders()).isEqualTo(new HeaderMods(List.of(new HeaderMods.Header("x-set", "1")),
                List.of(new HeaderMods.Header("x-add", "2")), List.of("x-gone")));
        assertThat(r.responseHeaders().set()).containsExactly(new HeaderMods.Header("x-r", "v"));
        RouteAction.WeightedCluster wc = ((RouteAction.Forward) r.action()).clusters().get(0);
        assertThat(wc.requestHeaders().set()).containsExactly(new HeaderMods.Header("x-b", "b"));
        assertThat(wc.responseHeaders().remove()).containsExactly("server");
    }

    @Test
    void rewritesMirrorsRetry() {
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"path_separated_prefix\": \"/p\"}, \"route\": {\"cluster\": \"a\","
                + " \"timeout\": \"2s\", \"prefix_rewrite\": \"/q\", \"host_rewrite_literal\": \"h.example\","
                + " \"request_mirror_policies\": [{\"cluster\": \"m1\"}, {\"cluster\": \"m2\", \"runtime_fraction\":"
                + " {\"default_value\": {\"numerator\": 25, \"denominator\": \"HUNDRED\"}}}],"
                + " \"retry_policy\": {\"retry_on\": \"retriable-status-codes,connect-failure,reset\", \"num_retries\": 2,"
                + " \"retriable_status_codes\": [503, 500], \"per_try_timeout\": \"0.5s\", \"retry_back_off\": {\"base_interval\": \"0.01s\"}}}}");
        RouteAction.Forward f = (RouteAction.Forward) r.action();
        assertThat(f.rewrite()).isEqualTo(new RouteAction.Rewrite("/q", null, null, "h.example"));
        assertThat(f.mirrors()).containsExactly(new RouteAction.Mirror("m1", 100, 100), new RouteAction.Mirror("m2", 25, 100));
        assertThat(f.retry()).isEqualTo(new RouteAction.RetryPolicy(2, List.of(503, 500), true, true, Duration.ofMillis(500),
                Duration.ofMillis(10)));
        assertThat(f.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void redirectAndCors() {
        RouteConfig r = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"redirect\": {\"scheme_redirect\": \"https\","
                + " \"host_redirect\": \"x.example\", \"port_redirect\": 8443, \"path_redirect\": \"/p\", \"response_code\": \"SEE_OTHER\"}}");
        assertThat(r.action()).isEqualTo(new RouteAction.Redirect("https", "x.example", 8443, "/p", null, 303));
        RouteConfig c = only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"a\"},"
                + " \"typed_per_filter_config\": {\"envoy.filters.http.cors\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\", \"allow_origin_string_match\": "
                + "[{\"exact\": \"https://a\"}], \"allow_methods\": \"GET\", \"max_age\": \"5\"}}}");
        var cors = (dev.lattice.proxy.filter.cors.CorsFilter) c.filterConfigs().get("envoy.filters.http.cors");
        assertThat(cors.policy().allowMethods()).isEqualTo("GET");
        assertThat(cors.policy().maxAge()).isEqualTo("5");
    }

    @Test
    void unsupportedRetryOnIsRejectedWithItsPlace() {
        assertThatThrownBy(() -> only("{\"name\": \"r\", \"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"a\","
                + " \"retry_policy\": {\"retry_on\": \"5xx\"}}}"))
                .hasMessageContaining("routes[0].route.retry_policy.retry_on: unsupported '5xx'");
    }
}
