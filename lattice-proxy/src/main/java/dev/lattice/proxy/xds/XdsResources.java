package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.CorsPolicy;
import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.RouteMatch;
import dev.lattice.proxy.config.StringMatch;
import dev.lattice.proxy.config.VirtualHostConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import dev.lattice.proxy.config.SessionPolicy;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute;
import io.envoyproxy.envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState;
import io.envoyproxy.envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses Envoy v3 Listener and Cluster protos (exactly the subset of docs/xds.md) into the proxy's own
 * immutable config. Anything outside the subset that changes behaviour is rejected with an
 * {@link XdsRejection} naming the resource and field. Protobuf never leaves this package.
 */
public final class XdsResources {
    public static final String LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
    static final String ROUTER_FILTER = "envoy.filters.http.router";
    static final String STATEFUL_SESSION_FILTER = "envoy.filters.http.stateful_session";
    static final String BACKEND_URL_REWRITE = "lattice.backend_url_rewrite";
    static final String BACKEND_REDIRECT = "lattice.backend_redirect";
    static final String SESSION_LIFETIME = "session_lifetime_seconds";
    static final String HTTP_PROTOCOL_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    /** Envoy's default route timeout when the field is absent. */
    static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    /** The type registry for JSON (bootstrap) parsing: the Any payloads the subset carries. */
    public static JsonFormat.TypeRegistry typeRegistry() {
        return JsonRegistry.TYPE_REGISTRY;
    }

    /** Holder: built on first use only, so that an xDS-only proxy never loads the JSON machinery. */
    private static final class JsonRegistry {
        static final JsonFormat.TypeRegistry TYPE_REGISTRY = JsonFormat.TypeRegistry.newBuilder()
                .add(HttpConnectionManager.getDescriptor())
                .add(Router.getDescriptor())
                .add(HttpProtocolOptions.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
                .add(StatefulSessionPerRoute.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSession.getDescriptor())
                .add(CookieBasedSessionState.getDescriptor())
                .add(HeaderBasedSessionState.getDescriptor())
                .add(FilterConfig.getDescriptor())
                .add(io.envoyproxy.envoy.config.route.v3.RouteAction.getDescriptor())
                .add(RedirectAction.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor())
                .add(dev.lattice.api.validation.v1.RequestValidation.getDescriptor())
                .add(dev.lattice.api.validation.v1.RequestValidationPerRoute.getDescriptor())
                .add(dev.lattice.api.filters.http.ratelimit.v1.RateLimitProto.getDescriptor().getMessageTypes()) // local and global
                .build();
    }

    private XdsResources() {}

    // ---------------------------------------------------------------- listeners

    public static ListenerConfig parseListener(Listener l) throws XdsRejection {
        String res = "listener " + (l.getName().isEmpty() ? "<unnamed>" : l.getName());
        if (l.getName().isEmpty()) {
            throw new XdsRejection(res, "name: must not be empty");
        }
        if (!l.hasAddress() || !l.getAddress().hasSocketAddress()) {
            throw new XdsRejection(res, "address.socket_address: required");
        }
        SocketAddress sa = l.getAddress().getSocketAddress();
        if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
            throw new XdsRejection(res, "address.socket_address.protocol: only TCP is supported, got " + sa.getProtocol());
        }
        if (sa.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
            throw new XdsRejection(res, "address.socket_address.named_port: unsupported, use port_value");
        }
        requireIpLiteral(res, "address.socket_address.address", sa.getAddress());
        String role = "";
        Struct lattice = l.getMetadata().getFilterMetadataMap().get("lattice");
        if (lattice != null) {
            Value v = lattice.getFieldsMap().get("role");
            if (v != null && v.hasStringValue()) {
                role = v.getStringValue();
            }
        }
        String name = l.getName();
        String address = sa.getAddress();
        int port = sa.getPortValue();
        final String r = role;
        return ListenerParser.parse(res, l, address, port, role,
                (rs, path, hcm) -> parseHcm(rs, path, name, address, port, r, hcm));
    }

    static ListenerConfig parseHcm(String res, String path, String name, String address, int port, String role,
            HttpConnectionManager hcm) throws XdsRejection {
        if (hcm.getCodecType() != HttpConnectionManager.CodecType.AUTO) {
            throw new XdsRejection(res, path + ".codec_type: only AUTO is supported, got " + hcm.getCodecType());
        }
        if (hcm.getRouteSpecifierCase() != HttpConnectionManager.RouteSpecifierCase.ROUTE_CONFIG) {
            throw new XdsRejection(res, path + ".route_config: an inline route_config is required (no RDS), got "
                    + hcm.getRouteSpecifierCase());
        }
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter hf = hcm.getHttpFilters(i);
            String hp = path + ".http_filters[" + i + "]";
            if (hf.getName().equals(STATEFUL_SESSION_FILTER) && i != hcm.getHttpFiltersCount() - 1) {
                continue; // the per-route StatefulSessionPerRoute does the work
            }
            if (!hf.getName().equals(ROUTER_FILTER)) {
                if (hf.hasTypedConfig() && dev.lattice.proxy.filter.HttpFilterRegistry.get(hf.getTypedConfig().getTypeUrl()) != null) {
                    continue; // parsed by httpFilters
                }
                throw new XdsRejection(res, hp + ": unsupported http filter " + hf.getName()
                        + (hf.hasTypedConfig() ? " (" + hf.getTypedConfig().getTypeUrl() + ")" : "")
                        + "; supported before " + ROUTER_FILTER + ": " + dev.lattice.proxy.filter.HttpFilterRegistry.typeUrls());
            }
            if (hf.hasTypedConfig()) {
                unpack(res, hp + ".typed_config", hf.getTypedConfig(), Router.class);
            }
            if (i != hcm.getHttpFiltersCount() - 1) {
                throw new XdsRejection(res, hp + ": " + ROUTER_FILTER + " must be the last http filter");
            }
        }
        RouteConfiguration rc = hcm.getRouteConfig();
        String rp = path + ".route_config";
        List<VirtualHostConfig> vhosts = new ArrayList<>();
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            vhosts.add(parseVirtualHost(res, rp + ".virtual_hosts[" + i + "]", rc.getVirtualHosts(i)));
        }
        if (rc.getRequestHeadersToAddCount() > 0 || rc.getResponseHeadersToAddCount() > 0
                || rc.getRequestHeadersToRemoveCount() > 0 || rc.getResponseHeadersToRemoveCount() > 0) {
            throw new XdsRejection(res, rp + ": header manipulation is unsupported");
        }
        String statPrefix = hcm.getStatPrefix().isEmpty() ? name : hcm.getStatPrefix();
        return new ListenerConfig(name, address, port, role, statPrefix, hcm.getStripAnyHostPort(), rc.getName(), vhosts);
    }

    /**
     * The HCM's HTTP filters that a {@link dev.lattice.proxy.filter.HttpFilterRegistry} factory owns, parsed by it, in
     * order; a {@code disabled} one is left out (no route enables it: per-route filter config is not supported for
     * them).
     */
    static List<dev.lattice.proxy.config.HttpFilterConfig> httpFilters(String res, String path, HttpConnectionManager hcm)
            throws XdsRejection {
        List<dev.lattice.proxy.config.HttpFilterConfig> out = new ArrayList<>();
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter hf = hcm.getHttpFilters(i);
            if (!hf.hasTypedConfig()) continue;
            var factory = dev.lattice.proxy.filter.HttpFilterRegistry.get(hf.getTypedConfig().getTypeUrl());
            if (factory == null || hf.getDisabled()) continue;
            String hp = path + ".http_filters[" + i + "]";
            if (hf.getName().isEmpty()) throw new XdsRejection(res, hp + ".name: must not be empty");
            for (var o : out) {
                if (o.name().equals(hf.getName())) throw new XdsRejection(res, hp + ".name: duplicate http filter " + hf.getName());
            }
            Object parsed = factory.parse(res, hp + ".typed_config", hf.getTypedConfig());
            out.add(new dev.lattice.proxy.config.HttpFilterConfig(hf.getName(), hf.getTypedConfig(), parsed));
        }
        return out;
    }

    private static VirtualHostConfig parseVirtualHost(String res, String path, VirtualHost vh) throws XdsRejection {
        if (vh.getDomainsCount() == 0) {
            throw new XdsRejection(res, path + ".domains: at least one domain is required");
        }
        if (vh.getRequireTls() != VirtualHost.TlsRequirementType.NONE) {
            throw new XdsRejection(res, path + ".require_tls: unsupported " + vh.getRequireTls());
        }
        if (vh.getRequestHeadersToAddCount() > 0 || vh.getResponseHeadersToAddCount() > 0
                || vh.getRequestHeadersToRemoveCount() > 0 || vh.getResponseHeadersToRemoveCount() > 0) {
            throw new XdsRejection(res, path + ": header manipulation is unsupported");
        }
        if (vh.hasRetryPolicy()) {
            throw new XdsRejection(res, path + ".retry_policy: unsupported");
        }
        List<String> domains = new ArrayList<>();
        for (int i = 0; i < vh.getDomainsCount(); i++) {
            String d = vh.getDomains(i).toLowerCase(Locale.ROOT);
            if (d.isEmpty()) {
                throw new XdsRejection(res, path + ".domains[" + i + "]: must not be empty");
            }
            if (d.indexOf('*') >= 0 && !d.equals("*") && !(d.startsWith("*") && d.indexOf('*', 1) < 0)
                    && !(d.endsWith("*") && d.indexOf('*') == d.length() - 1)) {
                throw new XdsRejection(res, path + ".domains[" + i + "]: a wildcard must be the whole domain, its first or its last character: " + d);
            }
            if (domains.contains(d)) {
                throw new XdsRejection(res, path + ".domains[" + i + "]: duplicate domain " + d);
            }
            domains.add(d);
        }
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            routes.add(parseRoute(res, path + ".routes[" + i + "]", vh.getRoutes(i)));
        }
        return new VirtualHostConfig(vh.getName(), domains, routes);
    }

    private static RouteConfig parseRoute(String res, String path, Route r) throws XdsRejection {
        io.envoyproxy.envoy.config.route.v3.RouteMatch m = r.getMatch();
        String mp = path + ".match";
        PathMatch pm = switch (m.getPathSpecifierCase()) {
            case PREFIX -> new PathMatch(PathMatch.Kind.PREFIX, m.getPrefix());
            case PATH -> new PathMatch(PathMatch.Kind.EXACT, m.getPath());
            case PATH_SEPARATED_PREFIX -> {
                String p = m.getPathSeparatedPrefix();
                if (!p.startsWith("/") || (p.length() > 1 && p.endsWith("/"))) {
                    throw new XdsRejection(res, mp + ".path_separated_prefix: must start with '/' and not end with '/', got " + p);
                }
                yield new PathMatch(PathMatch.Kind.PATH_SEPARATED_PREFIX, p);
            }
            case SAFE_REGEX -> new PathMatch(PathMatch.Kind.REGEX, regex(res, mp + ".safe_regex", m.getSafeRegex()));
            default -> throw new XdsRejection(res, mp + ": unsupported path specifier " + m.getPathSpecifierCase()
                    + " (supported: prefix, path, path_separated_prefix, safe_regex)");
        };
        if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
            throw new XdsRejection(res, mp + ".case_sensitive: false is unsupported");
        }
        if (m.hasRuntimeFraction()) {
            throw new XdsRejection(res, mp + ".runtime_fraction: unsupported");
        }
        if (m.hasGrpc()) {
            throw new XdsRejection(res, mp + ".grpc: unsupported");
        }
        if (m.hasTlsContext()) {
            throw new XdsRejection(res, mp + ".tls_context: unsupported");
        }
        if (m.getDynamicMetadataCount() > 0) {
            throw new XdsRejection(res, mp + ".dynamic_metadata: unsupported");
        }
        if (m.getFilterStateCount() > 0) {
            throw new XdsRejection(res, mp + ".filter_state: unsupported");
        }
        List<RouteMatch.HeaderMatch> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
            headers.add(parseHeaderMatcher(res, mp + ".headers[" + i + "]", m.getHeaders(i)));
        }
        List<RouteMatch.QueryMatch> queries = new ArrayList<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            QueryParameterMatcher q = m.getQueryParameters(i);
            String qp = mp + ".query_parameters[" + i + "]";
            if (q.getName().isEmpty()) {
                throw new XdsRejection(res, qp + ".name: must not be empty");
            }
            if (q.getQueryParameterMatchSpecifierCase() != QueryParameterMatcher.QueryParameterMatchSpecifierCase.STRING_MATCH) {
                throw new XdsRejection(res, qp + ": unsupported match " + q.getQueryParameterMatchSpecifierCase()
                        + " (supported: string_match)");
            }
            queries.add(new RouteMatch.QueryMatch(q.getName(), stringMatch(res, qp + ".string_match", q.getStringMatch())));
        }
        HeaderMods reqMods = headerMods(res, path + ".request_headers_to_add", r.getRequestHeadersToAddList(),
                r.getRequestHeadersToRemoveList());
        HeaderMods respMods = headerMods(res, path + ".response_headers_to_add", r.getResponseHeadersToAddList(),
                r.getResponseHeadersToRemoveList());
        SessionPolicy session = null;
        Map<String, Object> filterConfigs = new java.util.HashMap<>();
        for (Map.Entry<String, Any> e : r.getTypedPerFilterConfigMap().entrySet()) {
            String fp = path + ".typed_per_filter_config[\"" + e.getKey() + "\"]";
            if (e.getKey().equals(STATEFUL_SESSION_FILTER)) {
                session = sessionPolicy(res, fp, unpack(res, fp, e.getValue(), StatefulSessionPerRoute.class), r);
                continue;
            }
            dev.lattice.proxy.filter.HttpFilterFactory f = dev.lattice.proxy.filter.HttpFilterRegistry.perRoute(e.getValue().getTypeUrl());
            if (f == null) {
                throw new XdsRejection(res, fp + ": unsupported filter config " + e.getValue().getTypeUrl() + " (supported: "
                        + STATEFUL_SESSION_FILTER + ", and the per-route configs of "
                        + dev.lattice.proxy.filter.HttpFilterRegistry.typeUrls() + ")");
            }
            filterConfigs.put(e.getKey(), f.parsePerRoute(res, fp, e.getValue()));
        }
        RouteAction action = switch (r.getActionCase()) {
            case ROUTE -> parseRouteAction(res, path + ".route", r.getRoute());
            case REDIRECT -> parseRedirect(res, path + ".redirect", r.getRedirect());
            case DIRECT_RESPONSE -> {
                var dr = r.getDirectResponse();
                int status = dr.getStatus();
                if (status < 200 || status > 599) {
                    throw new XdsRejection(res, path + ".direct_response.status: must be 200..599, got " + status);
                }
                String body = "";
                if (dr.hasBody()) {
                    body = switch (dr.getBody().getSpecifierCase()) {
                        case INLINE_STRING -> dr.getBody().getInlineString();
                        case INLINE_BYTES -> dr.getBody().getInlineBytes().toStringUtf8();
                        case SPECIFIER_NOT_SET -> "";
                        default -> throw new XdsRejection(res, path + ".direct_response.body: only inline_string and inline_bytes are supported");
                    };
                }
                yield new RouteAction.DirectResponse(status, body);
            }
            default -> throw new XdsRejection(res, path + ": unsupported action " + r.getActionCase()
                    + " (supported: route, redirect, direct_response)");
        };
        if (session != null) {
            if (!(action instanceof RouteAction.Forward f)) {
                throw new XdsRejection(res, path + ".typed_per_filter_config[\"" + STATEFUL_SESSION_FILTER
                        + "\"]: session persistence needs a route action (not " + action.kind() + ")");
            }
            action = new RouteAction.Forward(f.clusters(), f.clusterNotFoundStatus(), f.timeout(), f.rewrite(), f.mirrors(),
                    f.retry(), session);
        }
        return new RouteConfig(r.getName(), new RouteMatch(pm, headers, queries), action, reqMods, respMods, filterConfigs);
    }

    /**
     * A per-route StatefulSession: cookie (name, path, ttl) or header (name) session state; null when disabled. The
     * lifetime the proxy enforces is the cookie's ttl, else the route's
     * {@code metadata.filter_metadata["lattice"].session_lifetime_seconds}.
     */
    private static SessionPolicy sessionPolicy(String res, String path, StatefulSessionPerRoute pr, Route r)
            throws XdsRejection {
        if (pr.getDisabled()) {
            return null;
        }
        if (!pr.hasStatefulSession()) {
            throw new XdsRejection(res, path + ".stateful_session: required (or disabled: true)");
        }
        var ss = pr.getStatefulSession();
        if (ss.getStrict()) {
            throw new XdsRejection(res, path + ".stateful_session.strict: true is unsupported");
        }
        if (!ss.hasSessionState() || !ss.getSessionState().hasTypedConfig()) {
            throw new XdsRejection(res, path + ".stateful_session.session_state.typed_config: required");
        }
        Any cfg = ss.getSessionState().getTypedConfig();
        String sp = path + ".stateful_session.session_state.typed_config";
        Duration lifetime = Duration.ZERO;
        Struct lattice = r.getMetadata().getFilterMetadataMap().get("lattice");
        if (lattice != null && lattice.getFieldsMap().containsKey(SESSION_LIFETIME)) {
            double secs = lattice.getFieldsMap().get(SESSION_LIFETIME).getNumberValue();
            if (!(secs >= 0) || secs > 1e10) {
                throw new XdsRejection(res, path.substring(0, path.lastIndexOf(".typed_per_filter_config"))
                        + ".metadata.filter_metadata[\"lattice\"]." + SESSION_LIFETIME + ": must be a number of seconds >= 0");
            }
            lifetime = Duration.ofSeconds((long) secs);
        }
        if (cfg.is(CookieBasedSessionState.class)) {
            var c = unpack(res, sp, cfg, CookieBasedSessionState.class).getCookie();
            if (c.getName().isEmpty()) {
                throw new XdsRejection(res, sp + ".cookie.name: must not be empty");
            }
            Duration ttl = c.hasTtl() ? duration(c.getTtl()) : Duration.ZERO;
            if (ttl.isNegative()) {
                throw new XdsRejection(res, sp + ".cookie.ttl: must not be negative");
            }
            return new SessionPolicy(SessionPolicy.Kind.COOKIE, c.getName(), c.getPath().isEmpty() ? null : c.getPath(), ttl,
                    ttl.isZero() ? lifetime : ttl);
        }
        if (cfg.is(HeaderBasedSessionState.class)) {
            String name = unpack(res, sp, cfg, HeaderBasedSessionState.class).getName();
            if (name.isEmpty()) {
                throw new XdsRejection(res, sp + ".name: must not be empty");
            }
            return new SessionPolicy(SessionPolicy.Kind.HEADER, name.toLowerCase(Locale.ROOT), null, Duration.ZERO, lifetime);
        }
        throw new XdsRejection(res, sp + ": unsupported session state " + cfg.getTypeUrl()
                + " (supported: CookieBasedSessionState, HeaderBasedSessionState)");
    }

    /** A weighted cluster's own rewrite and redirect (docs/xds.md: backendRef-level URLRewrite and RequestRedirect). */
    private static RouteAction.WeightedCluster backendFilters(String res, String cp, WeightedCluster.ClusterWeight cw,
            RouteAction.WeightedCluster plain) throws XdsRejection {
        String host = switch (cw.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL -> cw.getHostRewriteLiteral().isEmpty() ? null : cw.getHostRewriteLiteral();
            case HOSTREWRITESPECIFIER_NOT_SET -> null;
        };
        String prefix = null;
        String regex = null;
        String substitution = null;
        RouteAction.Redirect redirect = null;
        for (Map.Entry<String, Any> e : cw.getTypedPerFilterConfigMap().entrySet()) {
            String fp = cp + ".typed_per_filter_config[\"" + e.getKey() + "\"]";
            Any cfg = e.getValue();
            boolean optional = false;
            if (cfg.is(FilterConfig.class)) {
                FilterConfig fc = unpack(res, fp, cfg, FilterConfig.class);
                optional = fc.getIsOptional();
                cfg = fc.getConfig();
                fp += ".config";
            }
            if (e.getKey().equals(BACKEND_URL_REWRITE)) {
                var ra = unpack(res, fp, cfg, io.envoyproxy.envoy.config.route.v3.RouteAction.class);
                prefix = ra.getPrefixRewrite().isEmpty() ? null : ra.getPrefixRewrite();
                if (ra.hasRegexRewrite()) {
                    if (prefix != null) {
                        throw new XdsRejection(res, fp + ".regex_rewrite: excludes prefix_rewrite");
                    }
                    regex = regex(res, fp + ".regex_rewrite.pattern", ra.getRegexRewrite().getPattern());
                    substitution = ra.getRegexRewrite().getSubstitution();
                }
            } else if (e.getKey().equals(BACKEND_REDIRECT)) {
                redirect = parseRedirect(res, fp, unpack(res, fp, cfg, RedirectAction.class));
            } else if (!optional) {
                throw new XdsRejection(res, fp + ": unsupported filter (supported: " + BACKEND_URL_REWRITE + ", "
                        + BACKEND_REDIRECT + ")");
            }
        }
        if (host == null && prefix == null && regex == null && redirect == null) {
            return plain;
        }
        RouteAction.Rewrite rw = host == null && prefix == null && regex == null ? RouteAction.Rewrite.NONE
                : new RouteAction.Rewrite(prefix, regex, substitution, host);
        return new RouteAction.WeightedCluster(plain.name(), plain.weight(), plain.requestHeaders(), plain.responseHeaders(),
                rw, redirect);
    }

    private static HeaderMods headerMods(String res, String path, List<HeaderValueOption> adds, List<String> removes)
            throws XdsRejection {
        if (adds.isEmpty() && removes.isEmpty()) {
            return HeaderMods.NONE;
        }
        List<HeaderMods.Header> set = new ArrayList<>();
        List<HeaderMods.Header> add = new ArrayList<>();
        for (int i = 0; i < adds.size(); i++) {
            HeaderValueOption o = adds.get(i);
            String hp = path + "[" + i + "]";
            String name = o.getHeader().getKey();
            if (name.isEmpty() || name.startsWith(":") || name.equalsIgnoreCase("host")) {
                throw new XdsRejection(res, hp + ".header.key: must be a non-empty regular header name, got '" + name + "'");
            }
            String value = o.getHeader().getValue().isEmpty() ? o.getHeader().getRawValue().toStringUtf8()
                    : o.getHeader().getValue();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new XdsRejection(res, hp + ".header.value: must not contain CR or LF");
            }
            HeaderMods.Header h = new HeaderMods.Header(name, value);
            boolean append = o.hasAppend() ? o.getAppend().getValue()
                    : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            switch (o.getAppendAction()) {
                case APPEND_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS_OR_ADD -> (append ? add : set).add(h);
                default -> throw new XdsRejection(res, hp + ".append_action: unsupported " + o.getAppendAction()
                        + " (supported: APPEND_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS_OR_ADD)");
            }
        }
        for (String n : removes) {
            if (n.isEmpty() || n.startsWith(":")) {
                throw new XdsRejection(res, path.replace("_to_add", "_to_remove") + ": must be a regular header name, got '" + n + "'");
            }
        }
        return new HeaderMods(set, add, removes);
    }

    private static RouteAction.Redirect parseRedirect(String res, String path, RedirectAction ra) throws XdsRejection {
        String scheme = switch (ra.getSchemeRewriteSpecifierCase()) {
            case SCHEME_REDIRECT -> {
                String sc = ra.getSchemeRedirect().toLowerCase(Locale.ROOT);
                if (!sc.equals("http") && !sc.equals("https")) {
                    throw new XdsRejection(res, path + ".scheme_redirect: must be http or https, got " + ra.getSchemeRedirect());
                }
                yield sc;
            }
            case HTTPS_REDIRECT -> ra.getHttpsRedirect() ? "https" : null;
            default -> null;
        };
        String p = null;
        String prefix = null;
        switch (ra.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT -> {
                p = ra.getPathRedirect();
                if (!p.startsWith("/")) {
                    throw new XdsRejection(res, path + ".path_redirect: must start with '/', got " + p);
                }
            }
            case PREFIX_REWRITE -> prefix = ra.getPrefixRewrite();
            case PATHREWRITESPECIFIER_NOT_SET -> { }
            default -> throw new XdsRejection(res, path + ": unsupported " + ra.getPathRewriteSpecifierCase()
                    + " (supported: path_redirect, prefix_rewrite)");
        }
        if (ra.getStripQuery()) {
            throw new XdsRejection(res, path + ".strip_query: unsupported");
        }
        int port = ra.getPortRedirect();
        if (port < 0 || port > 65535) {
            throw new XdsRejection(res, path + ".port_redirect: must be 0..65535, got " + port);
        }
        int status = switch (ra.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw new XdsRejection(res, path + ".response_code: unsupported " + ra.getResponseCode());
        };
        String host = ra.getHostRedirect().isEmpty() ? null : ra.getHostRedirect();
        return new RouteAction.Redirect(scheme, host, port, p, prefix, status);
    }

    private static RouteMatch.HeaderMatch parseHeaderMatcher(String res, String path, HeaderMatcher h) throws XdsRejection {
        if (h.getName().isEmpty()) {
            throw new XdsRejection(res, path + ".name: must not be empty");
        }
        if (h.getInvertMatch()) {
            throw new XdsRejection(res, path + ".invert_match: unsupported");
        }
        if (h.getTreatMissingHeaderAsEmpty()) {
            throw new XdsRejection(res, path + ".treat_missing_header_as_empty: unsupported");
        }
        String name = h.getName().toLowerCase(Locale.ROOT);
        StringMatch sm = switch (h.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> stringMatch(res, path + ".string_match", h.getStringMatch());
            case EXACT_MATCH -> StringMatch.exact(h.getExactMatch());
            case SAFE_REGEX_MATCH -> StringMatch.regex(regex(res, path + ".safe_regex_match", h.getSafeRegexMatch()));
            default -> throw new XdsRejection(res, path + ": unsupported header match " + h.getHeaderMatchSpecifierCase()
                    + " (supported: string_match {exact | safe_regex})");
        };
        return new RouteMatch.HeaderMatch(name, sm);
    }

    private static StringMatch stringMatch(String res, String path, StringMatcher sm) throws XdsRejection {
        return switch (sm.getMatchPatternCase()) {
            case EXACT -> new StringMatch(StringMatch.Kind.EXACT, sm.getExact(), sm.getIgnoreCase());
            case SAFE_REGEX -> {
                if (sm.getIgnoreCase()) {
                    throw new XdsRejection(res, path + ".ignore_case: unsupported with safe_regex");
                }
                yield StringMatch.regex(regex(res, path + ".safe_regex", sm.getSafeRegex()));
            }
            default -> throw new XdsRejection(res, path + ": unsupported string match " + sm.getMatchPatternCase()
                    + " (supported: exact, safe_regex)");
        };
    }

    private static String regex(String res, String path, RegexMatcher rm) throws XdsRejection {
        try {
            Pattern.compile(rm.getRegex());
        } catch (PatternSyntaxException e) {
            throw new XdsRejection(res, path + ".regex: invalid regular expression: " + e.getDescription());
        }
        return rm.getRegex();
    }

    private static RouteAction parseRouteAction(String res, String path, io.envoyproxy.envoy.config.route.v3.RouteAction ra)
            throws XdsRejection {
        List<RouteAction.WeightedCluster> clusters = new ArrayList<>();
        switch (ra.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (ra.getCluster().isEmpty()) {
                    throw new XdsRejection(res, path + ".cluster: must not be empty");
                }
                clusters.add(new RouteAction.WeightedCluster(ra.getCluster(), 1));
            }
            case WEIGHTED_CLUSTERS -> {
                var wc = ra.getWeightedClusters();
                long total = 0;
                for (int i = 0; i < wc.getClustersCount(); i++) {
                    WeightedCluster.ClusterWeight cw = wc.getClusters(i);
                    String cp = path + ".weighted_clusters.clusters[" + i + "]";
                    if (cw.getName().isEmpty()) {
                        throw new XdsRejection(res, cp + ".name: must not be empty");
                    }
                    HeaderMods cwReq = headerMods(res, cp + ".request_headers_to_add", cw.getRequestHeadersToAddList(),
                            cw.getRequestHeadersToRemoveList());
                    HeaderMods cwResp = headerMods(res, cp + ".response_headers_to_add", cw.getResponseHeadersToAddList(),
                            cw.getResponseHeadersToRemoveList());
                    int w = cw.hasWeight() ? cw.getWeight().getValue() : 0;
                    if (w < 0) {
                        throw new XdsRejection(res, cp + ".weight: too large");
                    }
                    total += w;
                    clusters.add(backendFilters(res, cp, cw, new RouteAction.WeightedCluster(cw.getName(), w, cwReq, cwResp)));
                }
                if (clusters.isEmpty()) {
                    throw new XdsRejection(res, path + ".weighted_clusters.clusters: at least one cluster is required");
                }
                if (total <= 0 || total > Integer.MAX_VALUE) {
                    throw new XdsRejection(res, path + ".weighted_clusters: the sum of weights must be 1.." + Integer.MAX_VALUE
                            + ", got " + total);
                }
            }
            default -> throw new XdsRejection(res, path + ": unsupported cluster specifier " + ra.getClusterSpecifierCase()
                    + " (supported: cluster, weighted_clusters)");
        }
        int notFound = switch (ra.getClusterNotFoundResponseCode()) {
            case SERVICE_UNAVAILABLE -> 503;
            case NOT_FOUND -> 404;
            case INTERNAL_SERVER_ERROR -> 500;
            default -> throw new XdsRejection(res, path + ".cluster_not_found_response_code: unsupported "
                    + ra.getClusterNotFoundResponseCode());
        };
        Duration timeout = DEFAULT_ROUTE_TIMEOUT;
        if (ra.hasTimeout()) {
            timeout = Duration.ofSeconds(ra.getTimeout().getSeconds(), ra.getTimeout().getNanos());
            if (timeout.isNegative()) {
                throw new XdsRejection(res, path + ".timeout: must not be negative");
            }
        }
        String prefixRewrite = ra.getPrefixRewrite().isEmpty() ? null : ra.getPrefixRewrite();
        String regex = null;
        String substitution = null;
        if (ra.hasRegexRewrite()) {
            if (prefixRewrite != null) {
                throw new XdsRejection(res, path + ".regex_rewrite: excludes prefix_rewrite");
            }
            regex = regex(res, path + ".regex_rewrite.pattern", ra.getRegexRewrite().getPattern());
            substitution = ra.getRegexRewrite().getSubstitution();
        }
        String hostRewrite = switch (ra.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL -> {
                if (ra.getHostRewriteLiteral().isEmpty()) {
                    throw new XdsRejection(res, path + ".host_rewrite_literal: must not be empty");
                }
                yield ra.getHostRewriteLiteral();
            }
            case HOSTREWRITESPECIFIER_NOT_SET -> null;
            default -> throw new XdsRejection(res, path + "." + ra.getHostRewriteSpecifierCase().name().toLowerCase(Locale.ROOT)
                    + ": unsupported (supported: host_rewrite_literal)");
        };
        RouteAction.Rewrite rewrite = prefixRewrite == null && regex == null && hostRewrite == null ? RouteAction.Rewrite.NONE
                : new RouteAction.Rewrite(prefixRewrite, regex, substitution, hostRewrite);
        List<RouteAction.Mirror> mirrors = new ArrayList<>();
        for (int i = 0; i < ra.getRequestMirrorPoliciesCount(); i++) {
            var mp = ra.getRequestMirrorPolicies(i);
            String mpath = path + ".request_mirror_policies[" + i + "]";
            if (mp.getCluster().isEmpty()) {
                throw new XdsRejection(res, mpath + ".cluster: must not be empty");
            }
            int num = 100;
            int den = 100;
            if (mp.hasRuntimeFraction()) {
                var f = mp.getRuntimeFraction().getDefaultValue();
                num = f.getNumerator();
                den = switch (f.getDenominator()) {
                    case HUNDRED -> 100;
                    case TEN_THOUSAND -> 10_000;
                    case MILLION -> 1_000_000;
                    default -> throw new XdsRejection(res, mpath + ".runtime_fraction.default_value.denominator: unsupported "
                            + f.getDenominator());
                };
            }
            mirrors.add(new RouteAction.Mirror(mp.getCluster(), Math.min(num, den), den));
        }
        RouteAction.RetryPolicy retry = null;
        if (ra.hasRetryPolicy()) {
            retry = retryPolicy(res, path + ".retry_policy", ra.getRetryPolicy());
        }
        if (ra.getUpgradeConfigsCount() > 0) {
            throw new XdsRejection(res, path + ".upgrade_configs: unsupported");
        }
        return new RouteAction.Forward(clusters, notFound, timeout, rewrite, mirrors, retry);
    }

    private static RouteAction.RetryPolicy retryPolicy(String res, String path, RetryPolicy rp) throws XdsRejection {
        boolean onStatus = false;
        boolean onConnect = false;
        boolean onReset = false;
        for (String on : rp.getRetryOn().split(",")) {
            switch (on.trim()) {
                case "retriable-status-codes" -> onStatus = true;
                case "connect-failure" -> onConnect = true;
                case "reset" -> onReset = true;
                case "" -> { }
                default -> throw new XdsRejection(res, path + ".retry_on: unsupported '" + on.trim()
                        + "' (supported: retriable-status-codes, connect-failure, reset)");
            }
        }
        List<Integer> codes = new ArrayList<>();
        if (onStatus) {
            for (int c : rp.getRetriableStatusCodesList()) {
                if (c < 100 || c > 599) {
                    throw new XdsRejection(res, path + ".retriable_status_codes: must be 100..599, got " + c);
                }
                codes.add(c);
            }
        }
        int n = rp.hasNumRetries() ? rp.getNumRetries().getValue() : 1;
        Duration perTry = rp.hasPerTryTimeout() ? duration(rp.getPerTryTimeout()) : Duration.ZERO;
        Duration base = rp.hasRetryBackOff() && rp.getRetryBackOff().hasBaseInterval()
                ? duration(rp.getRetryBackOff().getBaseInterval()) : Duration.ofMillis(25);
        if (perTry.isNegative() || base.isNegative()) {
            throw new XdsRejection(res, path + ": durations must not be negative");
        }
        return new RouteAction.RetryPolicy(n, codes, onConnect, onReset, perTry, base);
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    // ---------------------------------------------------------------- clusters

    public static ClusterConfig parseCluster(Cluster c) throws XdsRejection {
        String res = "cluster " + (c.getName().isEmpty() ? "<unnamed>" : c.getName());
        if (c.getName().isEmpty()) {
            throw new XdsRejection(res, "name: must not be empty");
        }
        if (c.getClusterDiscoveryTypeCase() == Cluster.ClusterDiscoveryTypeCase.CLUSTER_TYPE) {
            throw new XdsRejection(res, "cluster_type: unsupported (only type STATIC)");
        }
        if (c.getType() != Cluster.DiscoveryType.STATIC) {
            throw new XdsRejection(res, "type: only STATIC is supported, got " + c.getType());
        }
        if (c.getHealthChecksCount() > 0) {
            throw new XdsRejection(res, "health_checks: unsupported");
        }
        ClusterConfig.LbPolicy lb = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> ClusterConfig.LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> {
                if (c.hasLeastRequestLbConfig() && c.getLeastRequestLbConfig().hasChoiceCount()
                        && c.getLeastRequestLbConfig().getChoiceCount().getValue() != 2) {
                    throw new XdsRejection(res, "least_request_lb_config.choice_count: only 2 is supported, got "
                            + c.getLeastRequestLbConfig().getChoiceCount().getValue());
                }
                yield ClusterConfig.LbPolicy.LEAST_REQUEST;
            }
            default -> throw new XdsRejection(res, "lb_policy: unsupported " + c.getLbPolicy()
                    + " (supported: ROUND_ROBIN, LEAST_REQUEST)");
        };
        ClusterConfig.UpstreamProtocol protocol = ClusterConfig.UpstreamProtocol.HTTP1;
        boolean auto = false;
        if (c.hasHttp2ProtocolOptions()) {
            protocol = ClusterConfig.UpstreamProtocol.H2C;
        }
        for (Map.Entry<String, Any> e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
            String op = "typed_extension_protocol_options[\"" + e.getKey() + "\"]";
            if (!e.getKey().equals(HTTP_PROTOCOL_OPTIONS_KEY)) {
                throw new XdsRejection(res, op + ": unsupported extension (supported: " + HTTP_PROTOCOL_OPTIONS_KEY + ")");
            }
            HttpProtocolOptions hpo = unpack(res, op, e.getValue(), HttpProtocolOptions.class);
            switch (hpo.getUpstreamProtocolOptionsCase()) {
                case EXPLICIT_HTTP_CONFIG -> {
                    var ex = hpo.getExplicitHttpConfig();
                    protocol = switch (ex.getProtocolConfigCase()) {
                        case HTTP2_PROTOCOL_OPTIONS -> ClusterConfig.UpstreamProtocol.H2C;
                        case HTTP_PROTOCOL_OPTIONS -> ClusterConfig.UpstreamProtocol.HTTP1;
                        default -> throw new XdsRejection(res, op + ".explicit_http_config: unsupported "
                                + ex.getProtocolConfigCase() + " (supported: http_protocol_options, http2_protocol_options)");
                    };
                }
                case AUTO_CONFIG -> {
                    // ALPN decides: h2 where the mesh transport socket negotiates it, HTTP/1.1 everywhere else
                    var ac = hpo.getAutoConfig();
                    if (ac.hasHttp3ProtocolOptions() || ac.hasAlternateProtocolsCacheOptions()) {
                        throw new XdsRejection(res, op + ".auto_config: http3_protocol_options and "
                                + "alternate_protocols_cache_options are unsupported");
                    }
                    if (c.hasHttp2ProtocolOptions()) {
                        throw new XdsRejection(res, op + ".auto_config: exclusive with the cluster's http2_protocol_options");
                    }
                    protocol = ClusterConfig.UpstreamProtocol.HTTP1;
                    auto = true;
                }
                case UPSTREAMPROTOCOLOPTIONS_NOT_SET -> { }
                default -> throw new XdsRejection(res, op + ": unsupported " + hpo.getUpstreamProtocolOptionsCase()
                        + " (supported: explicit_http_config, auto_config)");
            }
        }
        Duration connectTimeout = Duration.ofSeconds(5);
        if (c.hasConnectTimeout()) {
            connectTimeout = Duration.ofSeconds(c.getConnectTimeout().getSeconds(), c.getConnectTimeout().getNanos());
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new XdsRejection(res, "connect_timeout: must be positive");
            }
        }
        List<ClusterConfig.Endpoint> endpoints = new ArrayList<>();
        var la = c.getLoadAssignment();
        for (int i = 0; i < la.getEndpointsCount(); i++) {
            LocalityLbEndpoints lle = la.getEndpoints(i);
            for (int j = 0; j < lle.getLbEndpointsCount(); j++) {
                LbEndpoint le = lle.getLbEndpoints(j);
                String ep = "load_assignment.endpoints[" + i + "].lb_endpoints[" + j + "].endpoint.address.socket_address";
                if (!le.hasEndpoint() || !le.getEndpoint().getAddress().hasSocketAddress()) {
                    throw new XdsRejection(res, ep + ": required");
                }
                SocketAddress sa = le.getEndpoint().getAddress().getSocketAddress();
                requireIpLiteral(res, ep + ".address", sa.getAddress());
                if (sa.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE
                        || sa.getPortValue() < 1 || sa.getPortValue() > 65535) {
                    throw new XdsRejection(res, ep + ".port_value: must be 1..65535");
                }
                endpoints.add(new ClusterConfig.Endpoint(sa.getAddress(), sa.getPortValue(),
                        ClusterTransportSocket.meshEndpoint(le)));
            }
        }
        dev.lattice.proxy.config.UpstreamTlsConfig tls = c.hasTransportSocket()
                ? ClusterTransportSocket.parse(res, c.getTransportSocket(), protocol) : null;
        ClusterConfig.MeshTls mesh = ClusterTransportSocket.parseMatches(res, c, protocol, auto);
        if (mesh == null) {
            // no mesh transport socket: the match metadata selects nothing (Envoy falls back to transport_socket)
            endpoints.replaceAll(e -> e.mtls() ? new ClusterConfig.Endpoint(e.host(), e.port()) : e);
        }
        boolean meshHttp2 = auto && mesh != null && ClusterTransportSocket.meshOffersH2(c);
        return new ClusterConfig(c.getName(), lb, protocol, connectTimeout, endpoints, tls, mesh, meshHttp2);
    }

    // ---------------------------------------------------------------- helpers

    private static void requireIpLiteral(String res, String path, String address) throws XdsRejection {
        if (address.isEmpty()) {
            throw new XdsRejection(res, path + ": required");
        }
        if (!isIpLiteral(address)) {
            throw new XdsRejection(res, path + ": must be an IP address (STATIC), got " + address);
        }
    }

    static boolean isIpLiteral(String a) {
        boolean v4 = !a.isEmpty();
        for (int i = 0; i < a.length(); i++) {
            char ch = a.charAt(i);
            if (!(ch == '.' || (ch >= '0' && ch <= '9'))) {
                v4 = false;
                break;
            }
        }
        if (v4) {
            return a.split("\\.", -1).length == 4;
        }
        if (a.indexOf(':') >= 0) {
            for (int i = 0; i < a.length(); i++) {
                char ch = a.charAt(i);
                if (!(ch == ':' || ch == '.' || Character.digit(ch, 16) >= 0)) {
                    return false;
                }
            }
            try {
                InetAddress.getByName(a);
                return true;
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    static <T extends Message> T unpack(String res, String path, Any any, Class<T> type) throws XdsRejection {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new XdsRejection(res, path + ": expected " + type.getSimpleName() + ", got " + any.getTypeUrl()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
    }
}
