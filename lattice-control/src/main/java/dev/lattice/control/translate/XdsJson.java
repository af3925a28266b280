package dev.lattice.control.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** Proto3 JSON (proto field names) of the xDS resources Lattice sends, with the Any types it packs. */
public final class XdsJson {
    /** The types Lattice packs into {@code Any}: HttpConnectionManager, Router, HttpProtocolOptions. */
    public static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSession.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState.getDescriptor())
            .add(io.envoyproxy.envoy.config.route.v3.FilterConfig.getDescriptor())
            .add(io.envoyproxy.envoy.config.route.v3.RouteAction.getDescriptor())
            .add(io.envoyproxy.envoy.config.route.v3.RedirectAction.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
            .add(dev.lattice.api.validation.v1.RequestValidation.getDescriptor())
            .add(dev.lattice.api.validation.v1.RequestValidationPerRoute.getDescriptor())
            .add(dev.lattice.api.filters.http.ratelimit.v1.RateLimitProto.getDescriptor().getMessageTypes()) // local and global
            .build();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES).preservingProtoFieldNames();

    private XdsJson() {}

    public static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
        }
    }
}
