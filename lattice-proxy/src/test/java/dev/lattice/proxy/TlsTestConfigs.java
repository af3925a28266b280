package dev.lattice.proxy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.util.List;

/** Listener protos with TLS, SNI, passthrough and WebSocket chains, as the issue #3 contract describes them. */
public final class TlsTestConfigs {
    private TlsTestConfigs() {}

    public static Listener listener(String name, int port, List<FilterChain> chains) {
        Listener.Builder b = Listener.newBuilder().setName(name)
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))
                .addAllFilterChains(chains);
        if (chains.stream().anyMatch(c -> c.getFilterChainMatch().getServerNamesCount() > 0)) {
            b.addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector")
                    .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        }
        return b.build();
    }

    /** An HTTP chain: {@code certPem}/{@code keyPem} null for plain HTTP. */
    public static FilterChain httpChain(String name, List<String> serverNames, String certPem, String keyPem,
            VirtualHost... vhosts) {
        FilterChain.Builder b = FilterChain.newBuilder().setName(name)
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm(name, vhosts))));
        if (!serverNames.isEmpty()) {
            b.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(serverNames));
        }
        if (certPem != null) {
            b.setTransportSocket(tls(certPem, keyPem));
        }
        return b.build();
    }

    public static TransportSocket tls(String certPem, String keyPem) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificates(TlsCertificate.newBuilder()
                                .setCertificateChain(DataSource.newBuilder().setInlineString(certPem))
                                .setPrivateKey(DataSource.newBuilder().setInlineString(keyPem)))
                        .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")).build()))
                .build();
    }

    public static HttpConnectionManager hcm(String name, VirtualHost... vhosts) {
        return HttpConnectionManager.newBuilder().setStatPrefix(name)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setStripAnyHostPort(true)
                .setRouteConfig(RouteConfiguration.newBuilder().setName(name).addAllVirtualHosts(List.of(vhosts)))
                .addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
    }

    public static FilterChain tcpChain(String name, List<String> serverNames, String cluster) {
        return FilterChain.newBuilder().setName(name)
                .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(serverNames))
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(name).setCluster(cluster).build())))
                .build();
    }

    public static VirtualHost toCluster(String name, List<String> domains, String cluster) {
        return VirtualHost.newBuilder().setName(name).addAllDomains(domains)
                .addRoutes(Route.newBuilder().setName(name).setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster)
                                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(0))))
                .build();
    }

    public static VirtualHost direct(String name, List<String> domains, String body) {
        return VirtualHost.newBuilder().setName(name).addAllDomains(domains)
                .addRoutes(Route.newBuilder().setName(name).setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                                .setBody(DataSource.newBuilder().setInlineString(body))))
                .build();
    }
}
