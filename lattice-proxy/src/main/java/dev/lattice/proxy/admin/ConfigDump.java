package dev.lattice.proxy.admin;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
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
 *  "tls": {"provider": "BoringSSL"|"JDK", "library", "onJdk": [cases that stay on the JDK's TLS]},
 *  "listeners": [{name, address, port, boundPort, role, statPrefix, stripAnyHostPort, routeConfig, virtualHosts: [...]}],
 *  "clusters": [{name, lbPolicy, protocol, connectTimeoutMs, endpoints: ["ip:port"], mtlsEndpoints: [those reached by mesh mTLS],
 *                meshHttp2: bool}]}
 * </pre>
 * {@code meshHttp2}: the mesh mTLS hop of this cluster speaks HTTP/2 (ALPN {@code h2, http/1.1}, the peer's choice;
 * an h2c cluster's mesh hop is h2 anyway); false when the cluster has no mesh endpoint. Its plaintext endpoints keep
 * {@code protocol}.
 * where TypeStatus is {"typeUrl", "ackedVersion", "lastNack": null | {"version", "reason"}, "accepted", "rejected"}.
 */
public final class ConfigDump {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    private ConfigDump() {}

    public static String render(String nodeId, String version, boolean ready, String source, String xdsTarget,
            boolean xdsConnected, TypeStatus cds, TypeStatus lds, ProxyConfig config, Map<String, Integer> boundPorts) {
        return render(nodeId, version, ready, source, xdsTarget, xdsConnected, cds, lds, config, boundPorts, null, null);
    }

    /** The process's TLS implementation ({@link dev.lattice.proxy.tls.TlsProviders}) and what stays on the JDK's. */
    private static void tls(JsonObject t) {
        String provider = dev.lattice.proxy.tls.TlsProviders.name();
        t.addProperty("provider", provider);
        boolean jdk = provider.equals("JDK");
        t.addProperty("library", jdk ? "Java " + Runtime.version().feature() + " SunJSSE"
                : io.netty.handler.ssl.OpenSsl.versionString());
        JsonArray onJdk = arr(t, "onJdk");
        if (!jdk) {
            // see ServerTlsContexts.providerFor
            onJdk.add("TLS-terminating tcp_proxy chains");
            onJdk.add("chains with more than one certificate");
        }
    }

    /**
     * As above, with the mesh identity: {@code identity {spiffeId, certificateExpiry, trustDomains, tls, error}}
     * (null when the proxy has none).
     */
    public static String render(String nodeId, String version, boolean ready, String source, String xdsTarget,
            boolean xdsConnected, TypeStatus cds, TypeStatus lds, ProxyConfig config, Map<String, Integer> boundPorts,
            dev.lattice.proxy.tls.MeshIdentity identity, String identityError) {
        JsonObject root = new JsonObject();
        JsonObject node = obj(root, "node");
        node.addProperty("id", nodeId);
        node.addProperty("version", version);
        root.addProperty("ready", ready);
        root.addProperty("source", source);
        JsonObject xds = obj(root, "xds");
        xds.addProperty("target", xdsTarget);
        xds.addProperty("connected", xdsConnected);
        xds.add("cds", status(cds));
        xds.add("lds", status(lds));
        tls(obj(root, "tls"));
        if (identity != null) {
            JsonObject id = obj(root, "identity");
            var svid = identity.svid();
            id.addProperty("spiffeId", svid == null ? null : svid.spiffeId());
            id.addProperty("certificateExpiry", svid == null ? null
                    : java.time.format.DateTimeFormatter.ISO_INSTANT.format(svid.notAfter()));
            JsonArray tds = arr(id, "trustDomains");
            new java.util.TreeSet<>(identity.bundles().keySet()).forEach(tds::add);
            id.addProperty("tls", dev.lattice.proxy.tls.MeshIdentity.provider());
            id.addProperty("error", identityError);
        }
        JsonArray ls = arr(root, "listeners");
        for (ListenerConfig l : config.listeners()) {
            JsonObject n = add(ls);
            n.addProperty("name", l.name());
            n.addProperty("address", l.address());
            n.addProperty("port", l.port());
            Integer bound = boundPorts.get(l.name());
            if (bound != null) {
                n.addProperty("boundPort", bound);
            } else {
                n.add("boundPort", JsonNull.INSTANCE);
            }
            n.addProperty("role", l.role());
            n.addProperty("statPrefix", l.statPrefix());
            n.addProperty("stripAnyHostPort", l.stripAnyHostPort());
            n.addProperty("routeConfig", l.routeConfigName());
            JsonArray vhs = arr(n, "virtualHosts");
            for (VirtualHostConfig vh : l.virtualHosts()) {
                JsonObject v = add(vhs);
                v.addProperty("name", vh.name());
                strings(arr(v, "domains"), vh.domains());
                JsonArray rs = arr(v, "routes");
                for (RouteConfig r : vh.routes()) {
                    rs.add(route(r));
                }
            }
        }
        JsonArray cs = arr(root, "clusters");
        for (ClusterConfig c : config.clusters().values()) {
            JsonObject n = add(cs);
            n.addProperty("name", c.name());
            n.addProperty("lbPolicy", c.lbPolicy().name());
            n.addProperty("protocol", c.protocol() == ClusterConfig.UpstreamProtocol.H2C ? "h2c" : "http/1.1");
            n.addProperty("connectTimeoutMs", c.connectTimeout().toMillis());
            JsonArray eps = arr(n, "endpoints");
            JsonArray mtls = arr(n, "mtlsEndpoints");
            for (ClusterConfig.Endpoint e : c.endpoints()) {
                eps.add(e.toString());
                if (e.mtls() && c.meshTls() != null) mtls.add(e.toString());
            }
            n.addProperty("meshHttp2", !mtls.isEmpty() && (c.meshHttp2() && dev.lattice.proxy.cluster.UpstreamTls.MESH_HTTP2_ENABLED
                    || c.protocol() == ClusterConfig.UpstreamProtocol.H2C));
        }
        return GSON.toJson(root) + "\n";
    }

    private static JsonObject status(TypeStatus s) {
        JsonObject n = new JsonObject();
        if (s == null) {
            return n;
        }
        n.addProperty("typeUrl", s.typeUrl());
        n.addProperty("ackedVersion", s.ackedVersion());
        if (s.nackReason() == null) {
            n.add("lastNack", JsonNull.INSTANCE);
        } else {
            JsonObject nack = obj(n, "lastNack");
            nack.addProperty("version", s.nackedVersion());
            nack.addProperty("reason", s.nackReason());
        }
        n.addProperty("accepted", s.accepted());
        n.addProperty("rejected", s.rejected());
        return n;
    }

    private static JsonObject route(RouteConfig r) {
        JsonObject n = new JsonObject();
        n.addProperty("name", r.name());
        JsonObject m = obj(n, "match");
        m.addProperty(switch (r.match().path().kind()) {
            case PREFIX -> "prefix";
            case EXACT -> "path";
            case PATH_SEPARATED_PREFIX -> "pathSeparatedPrefix";
            case REGEX -> "safeRegex";
        }, r.match().path().value());
        if (!r.match().headers().isEmpty()) {
            JsonArray hs = arr(m, "headers");
            for (RouteMatch.HeaderMatch h : r.match().headers()) {
                hs.add(stringMatch(h.name(), h.match()));
            }
        }
        if (!r.match().queryParameters().isEmpty()) {
            JsonArray qs = arr(m, "queryParameters");
            for (RouteMatch.QueryMatch q : r.match().queryParameters()) {
                qs.add(stringMatch(q.name(), q.match()));
            }
        }
        switch (r.action()) {
            case RouteAction.Forward f -> {
                JsonObject a = obj(n, "route");
                JsonArray wc = arr(a, "clusters");
                for (RouteAction.WeightedCluster c : f.clusters()) {
                    JsonObject w = add(wc);
                    w.addProperty("name", c.name());
                    w.addProperty("weight", c.weight());
                    if (!c.rewrite().isNone()) {
                        w.addProperty("rewrite", c.rewrite().toString());
                    }
                    if (c.redirect() != null) {
                        w.addProperty("redirect", c.redirect().toString());
                    }
                }
                a.addProperty("clusterNotFoundStatus", f.clusterNotFoundStatus());
                a.addProperty("timeoutMs", f.timeout().toMillis());
                if (!f.rewrite().isNone()) {
                    a.addProperty("rewrite", f.rewrite().toString());
                }
                if (!f.mirrors().isEmpty()) {
                    a.addProperty("mirrors", f.mirrors().toString());
                }
                if (f.retry() != null) {
                    a.addProperty("retry", f.retry().toString());
                }
                if (f.session() != null) {
                    a.addProperty("session", f.session().toString());
                }
            }
            case RouteAction.Redirect rd -> obj(n, "redirect").addProperty("spec", rd.toString());
            case RouteAction.DirectResponse d -> {
                JsonObject dr = obj(n, "directResponse");
                dr.addProperty("status", d.status());
                dr.addProperty("body", d.body());
            }
        }
        return n;
    }

    private static JsonObject stringMatch(String name, StringMatch sm) {
        JsonObject n = new JsonObject();
        n.addProperty("name", name);
        n.addProperty(sm.kind() == StringMatch.Kind.EXACT ? "exact" : "safeRegex", sm.value());
        if (sm.ignoreCase()) {
            n.addProperty("ignoreCase", true);
        }
        return n;
    }

    private static void strings(JsonArray a, List<String> values) {
        values.forEach(a::add);
    }

    private static JsonObject obj(JsonObject parent, String name) {
        JsonObject o = new JsonObject();
        parent.add(name, o);
        return o;
    }

    private static JsonArray arr(JsonObject parent, String name) {
        JsonArray a = new JsonArray();
        parent.add(name, a);
        return a;
    }

    private static JsonObject add(JsonArray parent) {
        JsonObject o = new JsonObject();
        parent.add(o);
        return o;
    }
}
