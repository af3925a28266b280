package dev.lattice.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Envoy v3 resources in proto3 JSON, as a bootstrap file holds them, for tests. */
public final class TestConfigs {
    private TestConfigs() {}

    public static String bootstrap(List<String> listeners, List<String> clusters) {
        return "{\"listeners\": [" + String.join(",\n", listeners) + "],\n \"clusters\": [" + String.join(",\n", clusters) + "]}";
    }

    public static String cluster(String name, String lbPolicy, boolean h2, int... ports) {
        List<String> eps = new ArrayList<>();
        for (int p : ports) {
            eps.add("{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": \"127.0.0.1\", \"port_value\": " + p + "}}}}");
        }
        String protocol = h2 ? ", \"typed_extension_protocol_options\": {\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\": "
                + "{\"@type\": \"type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\", "
                + "\"explicit_http_config\": {\"http2_protocol_options\": {}}}}" : "";
        String lb = lbPolicy.equals("LEAST_REQUEST") ? ", \"least_request_lb_config\": {\"choice_count\": 2}" : "";
        return "{\"name\": \"" + name + "\", \"type\": \"STATIC\", \"connect_timeout\": \"1s\", \"lb_policy\": \"" + lbPolicy + "\""
                + lb + ", \"load_assignment\": {\"cluster_name\": \"" + name + "\", \"endpoints\": [{\"lb_endpoints\": ["
                + String.join(", ", eps) + "]}]}" + protocol + "}";
    }

    public static String cluster(String name, int... ports) {
        return cluster(name, "ROUND_ROBIN", false, ports);
    }

    public static String listener(String name, int port, boolean stripAnyHostPort, String... vhosts) {
        return "{\"name\": \"" + name + "\", \"address\": {\"socket_address\": {\"address\": \"127.0.0.1\", \"port_value\": " + port + "}},"
                + " \"metadata\": {\"filter_metadata\": {\"lattice\": {\"role\": \"gateway\"}}},"
                + " \"filter_chains\": [{\"filters\": [{\"name\": \"envoy.filters.network.http_connection_manager\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\","
                + " \"stat_prefix\": \"" + name + "\", \"codec_type\": \"AUTO\", \"strip_any_host_port\": " + stripAnyHostPort + ","
                + " \"route_config\": {\"name\": \"" + name + "\", \"virtual_hosts\": [" + String.join(",\n", vhosts) + "]},"
                + " \"http_filters\": [{\"name\": \"envoy.filters.http.router\", \"typed_config\": "
                + "{\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}]}}]}]}";
    }

    /** Envoy's CORS filter entry, which a listener lists for its routes' per-route CorsPolicy to act. */
    public static final String CORS_HTTP_FILTER = "{\"name\": \"envoy.filters.http.cors\", \"typed_config\": "
            + "{\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors\"}}";

    /** {@code listener} (from {@link #listener}) with {@code filters} (JSON http_filters entries) before its router. */
    public static String withHttpFilters(String listener, String... filters) {
        if (filters.length == 0) return listener;
        return listener.replace("\"http_filters\": [", "\"http_filters\": [" + String.join(", ", filters) + ", ");
    }

    public static String vhost(String name, List<String> domains, String... routes) {
        return "{\"name\": \"" + name + "\", \"domains\": [" + domains.stream().map(d -> "\"" + d + "\"").collect(Collectors.joining(", "))
                + "], \"routes\": [" + String.join(",\n", routes) + "]}";
    }

    /** A route: {@code match} is the JSON of RouteMatch's fields, {@code action} a "route"/"direct_response" member. */
    public static String route(String name, String match, String action) {
        return "{\"name\": \"" + name + "\", \"match\": {" + match + "}, " + action + "}";
    }

    public static String toCluster(String cluster) {
        return "\"route\": {\"cluster\": \"" + cluster + "\", \"timeout\": \"0s\"}";
    }

    public static String toCluster(String cluster, String timeout) {
        return "\"route\": {\"cluster\": \"" + cluster + "\", \"timeout\": \"" + timeout + "\"}";
    }

    /** weighted clusters: alternating name, weight. */
    public static String weighted(Object... nameWeight) {
        List<String> cs = new ArrayList<>();
        for (int i = 0; i < nameWeight.length; i += 2) {
            cs.add("{\"name\": \"" + nameWeight[i] + "\", \"weight\": " + nameWeight[i + 1] + "}");
        }
        return "\"route\": {\"weighted_clusters\": {\"clusters\": [" + String.join(", ", cs) + "]},"
                + " \"cluster_not_found_response_code\": \"INTERNAL_SERVER_ERROR\", \"timeout\": \"0s\"}";
    }

    public static String direct(int status, String body) {
        return "\"direct_response\": {\"status\": " + status + ", \"body\": {\"inline_string\": \"" + body + "\"}}";
    }
}
