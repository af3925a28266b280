package dev.lattice.proxy.xds;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.toCluster;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.TestConfigs.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.RouteMatch;
import dev.lattice.proxy.config.StringMatch;
import dev.lattice.proxy.config.VirtualHostConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden-style: proto3 JSON in, ProxyConfig out; and the NACK reasons for what is outside docs/xds.md. */
class XdsResourcesTest {

    private static final String GATEWAY_LISTENER = """
            {"name": "gateway/8080",
             "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8080}},
             "metadata": {"filter_metadata": {"lattice": {"role": "gateway"}}},
             "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
               "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                 "stat_prefix": "gateway_8080", "codec_type": "AUTO", "strip_any_host_port": true,
                 "route_config": {"name": "gateway/8080", "virtual_hosts": [
                   {"name": "bookstore", "domains": ["Bookstore.Example", "*.bookstore.example"], "routes": [
                     {"name": "default/books/rule/0/match/0",
                      "match": {"path_separated_prefix": "/books",
                                "headers": [{"name": ":method", "string_match": {"exact": "GET"}},
                                            {"name": "X-Canary", "string_match": {"safe_regex": {"regex": "yes|true"}}}],
                                "query_parameters": [{"name": "v", "string_match": {"exact": "2"}}]},
                      "route": {"weighted_clusters": {"clusters": [
                                   {"name": "default/reviews-v1/9080", "weight": 90},
                                   {"name": "lattice.invalid/BackendNotFound", "weight": 10}]},
                                "cluster_not_found_response_code": "INTERNAL_SERVER_ERROR", "timeout": "0s"}},
                     {"name": "default/books/rule/1/match/0", "match": {"path": "/health"},
                      "direct_response": {"status": 200, "body": {"inline_string": "ok"}}},
                     {"name": "default/books/rule/2/match/0", "match": {"safe_regex": {"regex": "/r/[a-z]+"}},
                      "route": {"cluster": "default/reviews-v1/9080", "timeout": "2.500s"}},
                     {"name": "default/books/rule/3/match/0", "match": {"prefix": "/"},
                      "route": {"cluster": "default/reviews-v1/9080"}}]}]},
                 "http_filters": [{"name": "envoy.filters.http.router",
                   "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}
            """;

    private static final String H2_CLUSTER = """
            {"name": "default/reviews-v1/9080", "type": "STATIC", "connect_timeout": "5s",
             "lb_policy": "LEAST_REQUEST", "least_request_lb_config": {"choice_count": 2},
             "load_assignment": {"cluster_name": "default/reviews-v1/9080", "endpoints": [{"lb_endpoints": [
               {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 19081}}}},
               {"endpoint": {"address": {"socket_address": {"address": "127.0.0.2", "port_value": 19082}}}}]}]},
             "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
               "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
               "explicit_http_config": {"http2_protocol_options": {}}}}}
            """;

    @Test
    void gatewayListenerAndClusterParseIntoProxyConfig() {
        ProxyConfig c = BootstrapLoader.parse("{\"listeners\": [" + GATEWAY_LISTENER + "], \"clusters\": [" + H2_CLUSTER + "]}", "golden");
        ListenerConfig expectedListener = new ListenerConfig("gateway/8080", "0.0.0.0", 8080, "gateway", "gateway_8080", true,
                "gateway/8080", List.of(new VirtualHostConfig("bookstore", List.of("bookstore.example", "*.bookstore.example"), List.of(
                        new RouteConfig("default/books/rule/0/match/0",
                                new RouteMatch(new PathMatch(PathMatch.Kind.PATH_SEPARATED_PREFIX, "/books"),
                                        List.of(new RouteMatch.HeaderMatch(":method", StringMatch.exact("GET")),
                                                new RouteMatch.HeaderMatch("x-canary", StringMatch.regex("yes|true"))),
                                        List.of(new RouteMatch.QueryMatch("v", StringMatch.exact("2")))),
                                new RouteAction.Forward(List.of(new RouteAction.WeightedCluster("default/reviews-v1/9080", 90),
                                        new RouteAction.WeightedCluster("lattice.invalid/BackendNotFound", 10)), 500, Duration.ZERO)),
                        new RouteConfig("default/books/rule/1/match/0",
                                new RouteMatch(new PathMatch(PathMatch.Kind.EXACT, "/health"), List.of(), List.of()),
                                new RouteAction.DirectResponse(200, "ok")),
                        new RouteConfig("default/books/rule/2/match/0",
                                new RouteMatch(new PathMatch(PathMatch.Kind.REGEX, "/r/[a-z]+"), List.of(), List.of()),
                                new RouteAction.Forward(List.of(new RouteAction.WeightedCluster("default/reviews-v1/9080", 1)), 503,
                                        Duration.ofMillis(2500))),
                        new RouteConfig("default/books/rule/3/match/0",
                                new RouteMatch(PathMatch.prefix("/"), List.of(), List.of()),
                                new RouteAction.Forward(List.of(new RouteAction.WeightedCluster("default/reviews-v1/9080", 1)), 503,
                                        Duration.ofSeconds(15)))))));
        ClusterConfig expectedCluster = new ClusterConfig("default/reviews-v1/9080", ClusterConfig.LbPolicy.LEAST_REQUEST,
                ClusterConfig.UpstreamProtocol.H2C, Duration.ofSeconds(5),
                List.of(new ClusterConfig.Endpoint("127.0.0.1", 19081), new ClusterConfig.Endpoint("127.0.0.2", 19082)));
        assertThat(c).isEqualTo(new ProxyConfig(List.of(expectedListener), Map.of(expectedCluster.name(), expectedCluster)));
    }

    @Test
    void http1ClusterByDefault() throws Exception {
        Cluster.Builder b = Cluster.newBuilder();
        JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry()).merge(cluster("c", 8080), b);
        ClusterConfig c = XdsResources.parseCluster(b.build());
        assertThat(c.protocol()).isEqualTo(ClusterConfig.UpstreamProtocol.HTTP1);
        assertThat(c.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.ROUND_ROBIN);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    private static String listenerRejection(String json) throws Exception {
        Listener.Builder b = Listener.newBuilder();
        JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry()).merge(json, b);
        try {
            XdsResources.parseListener(b.build());
        } catch (XdsRejection e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a rejection for " + json);
    }

    private static String clusterRejection(String json) throws Exception {
        Cluster.Builder b = Cluster.newBuilder();
        JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry()).merge(json, b);
        try {
            XdsResources.parseCluster(b.build());
        } catch (XdsRejection e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a rejection for " + json);
    }

    @Test
    void unsupportedNetworkFilterIsRejectedNamingResourceAndField() throws Exception {
        String tcp = """
                {"name": "gateway/8080", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8080}},
                 "filter_chains": [{"filters": [{"name": "envoy.filters.network.redis_proxy"}]}]}
                """;
        assertThat(listenerRejection(tcp)).isEqualTo(
                "listener gateway/8080: filter_chains[0].filters[0]: unsupported filter envoy.filters.network.redis_proxy");
    }

    @Test
    void unsupportedMatchesAndActionsAreRejected() throws Exception {
        String present = listener("l", 80, false, vhost("v", List.of("*"),
                route("r", "\"prefix\": \"/\", \"headers\": [{\"name\": \"x\", \"present_match\": true}]", toCluster("c"))));
        assertThat(listenerRejection(present)).startsWith(
                "listener l: filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.headers[0]: unsupported header match PRESENT_MATCH");
        String redirect = listener("l", 80, false, vhost("v", List.of("*"),
                route("r", "\"prefix\": \"/\"", "\"redirect\": {\"host_redirect\": \"x\", \"strip_query\": true}")));
        assertThat(listenerRejection(redirect)).contains("routes[0].redirect.strip_query: unsupported");
        String badRegex = listener("l", 80, false, vhost("v", List.of("*"),
                route("r", "\"safe_regex\": {\"regex\": \"([a-z\"}", toCluster("c"))));
        assertThat(listenerRejection(badRegex)).contains("routes[0].match.safe_regex.regex: invalid regular expression");
        String zeroWeights = listener("l", 80, false, vhost("v", List.of("*"),
                route("r", "\"prefix\": \"/\"", weighted("a", 0, "b", 0))));
        assertThat(listenerRejection(zeroWeights)).contains("weighted_clusters: the sum of weights must be");
        String rewrite = listener("l", 80, false, vhost("v", List.of("*"),
                route("r", "\"prefix\": \"/\"", "\"route\": {\"cluster\": \"c\", \"host_rewrite_header\": \"x\"}")));
        assertThat(listenerRejection(rewrite)).contains("routes[0].route.host_rewrite_header: unsupported");
        String rds = listener("l", 80, false).replace("\"route_config\": {\"name\": \"l\", \"virtual_hosts\": []}",
                "\"rds\": {\"route_config_name\": \"x\"}");
        assertThat(listenerRejection(rds)).contains("route_config: an inline route_config is required (no RDS)");
        String filter = listener("l", 80, false).replace("envoy.filters.http.router\", \"typed_config\"",
                "envoy.filters.http.fault\", \"x\"").replace(", \"x\": {\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}", "");
        assertThat(listenerRejection(filter)).contains("http_filters[0]: unsupported http filter envoy.filters.http.fault");
    }

    @Test
    void unsupportedClusterFieldsAreRejected() throws Exception {
        assertThat(clusterRejection(cluster("c", "RING_HASH", false, 80)))
                .isEqualTo("cluster c: lb_policy: unsupported RING_HASH (supported: ROUND_ROBIN, LEAST_REQUEST)");
        assertThat(clusterRejection(cluster("c", 80).replace("\"STATIC\"", "\"EDS\"")))
                .isEqualTo("cluster c: type: only STATIC is supported, got EDS");
        assertThat(clusterRejection(cluster("c", 80).replace("127.0.0.1", "backend.local")))
                .contains("cluster c: load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: must be an IP address");
    }

    @Test
    void aRejectedResourceKeepsItsPreviousVersionAndTheOthersApply() throws Exception {
        var parser = JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry());
        Cluster.Builder good = Cluster.newBuilder();
        parser.merge(cluster("a", 81), good);
        Cluster.Builder bad = Cluster.newBuilder();
        parser.merge(cluster("b", "MAGLEV", false, 82), bad);
        ClusterConfig previousB = new ClusterConfig("b", ClusterConfig.LbPolicy.ROUND_ROBIN, ClusterConfig.UpstreamProtocol.HTTP1,
                Duration.ofSeconds(1), List.of(new ClusterConfig.Endpoint("127.0.0.1", 90)));
        ResourceUpdate<ClusterConfig> u = SotwMerger.clusters(List.of(Any.pack(good.build()), Any.pack(bad.build())),
                Map.of("b", previousB));
        assertThat(u.accepted()).isFalse();
        assertThat(u.errorDetail()).isEqualTo("cluster b: lb_policy: unsupported MAGLEV (supported: ROUND_ROBIN, LEAST_REQUEST)");
        assertThat(u.resources()).containsOnlyKeys("a", "b");
        assertThat(u.resources().get("b")).isEqualTo(previousB);
        assertThat(u.resources().get("a").endpoints()).containsExactly(new ClusterConfig.Endpoint("127.0.0.1", 81));
    }

    @Test
    void bootstrapErrorsNameFileEntryAndField() {
        String json = bootstrap(List.of(), List.of(cluster("c", "RANDOM", false, 80)));
        assertThatThrownBy(() -> BootstrapLoader.parse(json, "boot.json"))
                .hasMessage("boot.json: clusters[0]: cluster c: lb_policy: unsupported RANDOM (supported: ROUND_ROBIN, LEAST_REQUEST)");
    }
}
