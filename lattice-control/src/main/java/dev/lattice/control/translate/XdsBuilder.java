package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/** IR → xDS v3 protos, exactly the subset docs/xds.md describes. Pure. */
final class XdsBuilder {
    static final String HCM = "envoy.filters.network.http_connection_manager";
    static final String ROUTER = "envoy.filters.http.router";
    static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private XdsBuilder() {}

    static List<Listener> listeners(Ir.Proxy proxy) {
        return proxy.listeners().stream().map(XdsBuilder::listener).toList();
    }

    static List<Cluster> clusters(Ir.Proxy proxy) {
        return proxy.clusters().stream().map(XdsBuilder::cluster).toList();
    }

    static Listener listener(Ir.Listener l) {
        Listener.Builder b = Listener.newBuilder()
                .setName(l.name())
                .setAddress(address(l.address(), l.port()))
                .setMetadata(Metadata.newBuilder().putFilterMetadata("lattice", Struct.newBuilder()
                        .putFields("role", Value.newBuilder().setStringValue(l.role().wire()).build()).build()));
        if (!l.chains().isEmpty()) return ChainsXds.withChains(b, l);
        FilterChain.Builder chain = FilterChain.newBuilder();
        Filter limit = connectionLimit(l.hcm());
        if (limit != null) chain.addFilters(limit);
        Listener plain = b.addFilterChains(chain.addFilters(hcmFilter(hcm(l.hcm())))).build();
        return MeshTlsXds.inbound(plain, l.inboundMtls());
    }

    /**
     * The HCM of a listener or filter chain; WebSocket upgrades are always on (docs/xds.md). Its HTTP filters and
     * each route's per-filter config come from the mesh's translator filters, in the one order ({@link FilterOrder}).
     */
    static HttpConnectionManager hcm(Ir.Hcm h) {
        return hcm(h, TranslatorFilters.MESH);
    }

    static HttpConnectionManager hcm(Ir.Hcm h, TranslatorFilters filters) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(h.statPrefix())
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRouteConfig(routeConfiguration(h, filters))
                .addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
                .addAllHttpFilters(filters.httpFilters(h));
        if (h.stripAnyHostPort()) hcm.setStripAnyHostPort(true);
        clientTraffic(hcm, h.clientTraffic());
        return hcm.build();
    }

    /**
     * A ClientTrafficPolicy on the wire, in Envoy's own HCM fields; the request-head and idle timeouts are always sent,
     * the defaults (10 s, 1 h) included, so that every listener has them whatever the proxy's own defaults are.
     */
    static void clientTraffic(HttpConnectionManager.Builder hcm, Ir.ClientTraffic ct) {
        Ir.ClientTraffic c = ct == null ? new Ir.ClientTraffic(null, null, null) : ct;
        hcm.setRequestHeadersTimeout(millis(c.requestHeadersTimeout()));
        hcm.setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                .setIdleTimeout(millis(c.idleTimeout())));
        if (c.maxConcurrentStreams() != null) {
            hcm.setHttp2ProtocolOptions(Http2ProtocolOptions.newBuilder()
                    .setMaxConcurrentStreams(UInt32Value.of(c.maxConcurrentStreams())));
        }
    }

    static final String CONNECTION_LIMIT = "envoy.filters.network.connection_limit";

    /**
     * ClientTrafficPolicy's {@code maxConnections} on the wire: Envoy's own connection_limit network filter, in front
     * of the chain's HCM (as Envoy Gateway sends {@code connection.connectionLimit}), with the HCM's stat prefix; null
     * when the connection manager has no limit (the chain then has the HCM alone).
     */
    static Filter connectionLimit(Ir.Hcm h) {
        Ir.ClientTraffic c = h.clientTraffic();
        if (c == null || c.maxConnections() == null) return null;
        return Filter.newBuilder().setName(CONNECTION_LIMIT).setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit.newBuilder()
                        .setStatPrefix(h.statPrefix())
                        .setMaxConnections(com.google.protobuf.UInt64Value.of(c.maxConnections()))
                        .build())).build();
    }

    private static Duration millis(long ms) {
        return Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
    }

    static Filter hcmFilter(HttpConnectionManager hcm) {
        return Filter.newBuilder().setName(HCM).setTypedConfig(Any.pack(hcm)).build();
    }

    private static RouteConfiguration routeConfiguration(Ir.Hcm h, TranslatorFilters filters) {
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(h.routeConfigName());
        for (Ir.VirtualHost vh : h.virtualHosts()) {
            VirtualHost.Builder v = VirtualHost.newBuilder().setName(vh.name()).addAllDomains(vh.domains());
            for (Ir.Route r : vh.routes()) {
                Route.Builder route = RouteXds.route(r);
                filters.patchRoute(route, r, h);
                v.addRoutes(route);
            }
            rc.addVirtualHosts(v);
        }
        return rc.build();
    }

    static Cluster cluster(Ir.Cluster c) {
        ClusterLoadAssignment.Builder la = ClusterLoadAssignment.newBuilder().setClusterName(c.name());
        LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder();
        for (Ir.Endpoint e : c.endpoints()) {
            LbEndpoint.Builder le = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(e.address(), e.port())));
            if (e.identity() != null) le.setMetadata(MeshTlsXds.endpointMetadata());
            group.addLbEndpoints(le);
        }
        if (!c.endpoints().isEmpty()) la.addEndpoints(group);
        Cluster.Builder b = Cluster.newBuilder()
                .setName(c.name())
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Duration.newBuilder().setSeconds(5))
                .setLoadAssignment(la);
        switch (c.lbPolicy()) {
            case ROUND_ROBIN -> b.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
            case LEAST_REQUEST -> b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                    .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(2)));
        }
        if (c.h2c()) {
            b.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                    .build()));
        }
        if (c.tls() != null) b.setTransportSocket(BackendTls.transportSocket(c.tls(), c.h2c()));
        MeshTlsXds.clusterMatches(b, c);
        return b.build();
    }

    private static Address address(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }
}
