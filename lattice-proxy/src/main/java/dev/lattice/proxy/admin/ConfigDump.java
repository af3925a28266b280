package dev.lattice.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.RouteMatch;
import dev.lattice.proxy.config.StringMatch;
import dev.lattice.proxy.config.VirtualHostConfig;
import dev.lattice.proxy.xds.TypeStatus;
import java.util.List;
import java.util.Map;

/**
 * The config dump served at {@code /config_dump}:
 * <pre>
 * {"node": {"id", "version"}, "ready": bool, "source": "xds"|"bootstrap"|"none",
 *  "xds": {"target", "connected", "cds": TypeStatus, "lds": TypeStatus},
 *  "listeners": [{name, address, port, boundPort, role, statPrefix, stripAnyHostPort, routeConfig, virtualHosts: [...]}],
 *  "clusters": [{name, lbPolicy, protocol, connectTimeoutMs, endpoints: ["ip:port"]}]}
 * </pre>
 * where TypeStatus is {"typeUrl", "ackedVersion", "lastNack": null | {"version", "reason"}, "accepted", "rejected"}.
 */
public final class ConfigDump {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigDump() {}

    public static String render(String nodeId, String version, boolean ready, String source, String xdsTarget,
            boolean xdsConnected, TypeStatus cds, TypeStatus lds, ProxyConfig config, Map<String, Integer> boundPorts) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("node").put("id", nodeId).put("version", version);
        root.put("ready", ready);
        root.put("source", source);
        ObjectNode xds = root.putObject("xds");
        xds.put("target", xdsTarget);
        xds.put("connected", xdsConnected);
        xds.set("cds", status(cds));
        xds.set("lds", status(lds));
        ArrayNode ls = root.putArray("listeners");
        for (ListenerConfig l : config.listeners()) {
            ObjectNode n = ls.addObject();
            n.put("name", l.name());
            n.put("address", l.address());
            n.put("port", l.port());
            Integer bound = boundPorts.get(l.name());
            if (bound != null) {
                n.put("boundPort", bound);
            } else {
                n.putNull("boundPort");
            }
            n.put("role", l.role());
            n.put("statPrefix", l.statPrefix());
            n.put("stripAnyHostPort", l.stripAnyHostPort());
            n.put("routeConfig", l.routeConfigName());
            ArrayNode vhs = n.putArray("virtualHosts");
            for (VirtualHostConfig vh : l.virtualHosts()) {
                ObjectNode v = vhs.addObject();
                v.put("name", vh.name());
                strings(v.putArray("domains"), vh.domains());
                ArrayNode rs = v.putArray("routes");
                for (RouteConfig r : vh.routes()) {
                    rs.add(route(r));
                }
            }
        }
        ArrayNode cs = root.putArray("clusters");
        for (ClusterConfig c : config.clusters().values()) {
            ObjectNode n = cs.addObject();
            n.put("name", c.name());
            n.put("lbPolicy", c.lbPolicy().name());
            n.put("protocol", c.protocol() == ClusterConfig.UpstreamProtocol.H2C ? "h2c" : "http/1.1");
            n.put("connectTimeoutMs", c.connectTimeout().toMillis());
            ArrayNode eps = n.putArray("endpoints");
            for (ClusterConfig.Endpoint e : c.endpoints()) {
                eps.add(e.toString());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config_dump: cannot render JSON", e);
        }
    }

    private static ObjectNode status(TypeStatus s) {
        ObjectNode n = JSON.createObjectNode();
        if (s == null) {
            return n;
        }
        n.put("typeUrl", s.typeUrl());
        n.put("ackedVersion", s.ackedVersion());
        if (s.nackReason() == null) {
            n.putNull("lastNack");
        } else {
            n.putObject("lastNack").put("version", s.nackedVersion()).put("reason", s.nackReason());
        }
        n.put("accepted", s.accepted());
        n.put("rejected", s.rejected());
        return n;
    }

    private static ObjectNode route(RouteConfig r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", r.name());
        ObjectNode m = n.putObject("match");
        m.put(switch (r.match().path().kind()) {
            case PREFIX -> "prefix";
            case EXACT -> "path";
            case PATH_SEPARATED_PREFIX -> "pathSeparatedPrefix";
            case REGEX -> "safeRegex";
        }, r.match().path().value());
        if (!r.match().headers().isEmpty()) {
            ArrayNode hs = m.putArray("headers");
            for (RouteMatch.HeaderMatch h : r.match().headers()) {
                hs.add(stringMatch(h.name(), h.match()));
            }
        }
        if (!r.match().queryParameters().isEmpty()) {
            ArrayNode qs = m.putArray("queryParameters");
            for (RouteMatch.QueryMatch q : r.match().queryParameters()) {
                qs.add(stringMatch(q.name(), q.match()));
            }
        }
        switch (r.action()) {
            case RouteAction.Forward f -> {
                ObjectNode a = n.putObject("route");
                ArrayNode wc = a.putArray("clusters");
                for (RouteAction.WeightedCluster c : f.clusters()) {
                    wc.addObject().put("name", c.name()).put("weight", c.weight());
                }
                a.put("clusterNotFoundStatus", f.clusterNotFoundStatus());
                a.put("timeoutMs", f.timeout().toMillis());
            }
            case RouteAction.DirectResponse d -> n.putObject("directResponse").put("status", d.status()).put("body", d.body());
        }
        return n;
    }

    private static ObjectNode stringMatch(String name, StringMatch sm) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        n.put(sm.kind() == StringMatch.Kind.EXACT ? "exact" : "safeRegex", sm.value());
        if (sm.ignoreCase()) {
            n.put("ignoreCase", true);
        }
        return n;
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }
}
