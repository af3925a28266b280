package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import dev.lattice.proxy.config.FilterChainConfig;
import dev.lattice.proxy.config.HttpChainConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.TcpProxyConfig;
import dev.lattice.proxy.config.TlsConfig;
import dev.lattice.proxy.tls.ServerTlsContexts;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The listener level of docs/xds.md "Listener: TLS and SNI": listener filters (tls_inspector), filter chains with
 * {@code filter_chain_match.server_names}, TLS termination (DownstreamTlsContext with inline PEM, checked by
 * building the TLS context, so that a bad certificate or key is NACKed naming listener and chain), HTTP connection
 * managers (with {@code upgrade_configs} websocket) and TCP proxies (passthrough, or after TLS termination when the
 * chain has a transport socket).
 */
final class ListenerParser {
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    static final String TCP_PROXY_FILTER = "envoy.filters.network.tcp_proxy";
    static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
    static final String CONNECTION_LIMIT_FILTER = "envoy.filters.network.connection_limit";

    /** Parses HCM payloads; XdsResources' parser, passed in so that this class owns only the listener level. */
    interface HcmParser {
        ListenerConfig parse(String res, String path, HttpConnectionManager hcm) throws XdsRejection;
    }

    private ListenerParser() {}

    static ListenerConfig parse(String res, Listener l, String address, int port, String role, HcmParser hcmParser)
            throws XdsRejection {
        boolean inspector = false;
        for (int i = 0; i < l.getListenerFiltersCount(); i++) {
            ListenerFilter lf = l.getListenerFilters(i);
            String p = "listener_filters[" + i + "]";
            if (!lf.getName().equals(TLS_INSPECTOR)) {
                throw new XdsRejection(res, p + ": unsupported listener filter " + lf.getName()
                        + " (supported: " + TLS_INSPECTOR + ")");
            }
            if (lf.hasTypedConfig()) {
                XdsResources.unpack(res, p + ".typed_config", lf.getTypedConfig(), TlsInspector.class);
            }
            inspector = true;
        }
        if (l.hasDefaultFilterChain()) {
            throw new XdsRejection(res, "default_filter_chain: unsupported (use a chain without server_names)");
        }
        if (l.getFilterChainsCount() == 0) {
            throw new XdsRejection(res, "filter_chains: at least one filter chain is required");
        }
        List<FilterChainConfig> chains = new ArrayList<>();
        Map<String, String> namesSeen = new HashMap<>();
        for (int i = 0; i < l.getFilterChainsCount(); i++) {
            FilterChain fc = l.getFilterChains(i);
            String cp = "filter_chains[" + i + "]" + (fc.getName().isEmpty() ? "" : " (" + fc.getName() + ")");
            FilterChainConfig chain = parseChain(res, cp, i, fc, hcmParser);
            if (!chain.serverNames().isEmpty() && !inspector) {
                throw new XdsRejection(res, cp + ".filter_chain_match.server_names: needs the listener filter "
                        + TLS_INSPECTOR + " in listener_filters");
            }
            if (!chain.transportProtocol().isEmpty() && !inspector) {
                throw new XdsRejection(res, cp + ".filter_chain_match.transport_protocol: needs the listener filter "
                        + TLS_INSPECTOR + " in listener_filters");
            }
            // chains are told apart by (transport protocol, server name), as Envoy's filter chain match
            String tp = chain.transportProtocol();
            String tpLabel = tp.isEmpty() ? "" : " for transport_protocol " + tp;
            if (chain.serverNames().isEmpty()) {
                String prev = namesSeen.putIfAbsent(tp + "|", cp);
                if (prev != null) {
                    throw new XdsRejection(res, cp + ": a second chain without server_names" + tpLabel + " (the first is "
                            + prev + ")");
                }
            }
            for (String n : chain.serverNames()) {
                String prev = namesSeen.putIfAbsent(tp + "|" + n, cp);
                if (prev != null) {
                    throw new XdsRejection(res, cp + ".filter_chain_match.server_names: " + n + tpLabel
                            + " is already used by " + prev);
                }
            }
            chains.add(chain);
        }
        HttpChainConfig first = null;
        for (FilterChainConfig c : chains) {
            if (c.http() != null) {
                first = c.http();
                break;
            }
        }
        if (chains.size() == 1 && !inspector) {
            FilterChainConfig only = chains.get(0);
            if (!only.terminatesTls() && only.http() != null && !only.http().websocket()
                    && only.http().httpFilters().isEmpty() && only.connectionLimit() == null
                    && only.http().clientTraffic().equals(dev.lattice.proxy.config.ClientTraffic.DEFAULTS)) {
                // the plain form of issue #2: no chain list
                return new ListenerConfig(l.getName(), address, port, role, first.statPrefix(), first.stripAnyHostPort(),
                        first.routeConfigName(), first.virtualHosts());
            }
        }
        if (first == null) {
            return new ListenerConfig(l.getName(), address, port, role, l.getName(), false, "", List.of(), chains, inspector);
        }
        return new ListenerConfig(l.getName(), address, port, role, first.statPrefix(), first.stripAnyHostPort(),
                first.routeConfigName(), first.virtualHosts(), chains, inspector);
    }

    private static FilterChainConfig parseChain(String res, String cp, int index, FilterChain fc, HcmParser hcmParser)
            throws XdsRejection {
        List<String> serverNames = new ArrayList<>();
        String transportProtocol = "";
        if (fc.hasFilterChainMatch()) {
            FilterChainMatch m = fc.getFilterChainMatch();
            String mp = cp + ".filter_chain_match";
            if (!m.toBuilder().clearServerNames().clearTransportProtocol().build().equals(FilterChainMatch.getDefaultInstance())) {
                throw new XdsRejection(res, mp + ": only server_names and transport_protocol are supported");
            }
            transportProtocol = m.getTransportProtocol();
            if (!transportProtocol.isEmpty() && !transportProtocol.equals(FilterChainConfig.TLS)
                    && !transportProtocol.equals(FilterChainConfig.RAW_BUFFER)) {
                throw new XdsRejection(res, mp + ".transport_protocol: unsupported " + transportProtocol
                        + " (supported: tls, raw_buffer)");
            }
            for (int i = 0; i < m.getServerNamesCount(); i++) {
                String n = m.getServerNames(i).toLowerCase(Locale.ROOT);
                String np = mp + ".server_names[" + i + "]";
                if (n.isEmpty()) {
                    throw new XdsRejection(res, np + ": must not be empty");
                }
                if (n.indexOf('*') >= 0 && !(n.startsWith("*.") && n.indexOf('*', 1) < 0 && n.length() > 2)) {
                    throw new XdsRejection(res, np + ": a wildcard must be a leading '*.' label, got " + n);
                }
                if (!serverNames.contains(n)) {
                    serverNames.add(n);
                }
            }
        }
        TlsConfig tls = null;
        boolean mesh = false;
        if (fc.hasTransportSocket()) {
            tls = parseTls(res, cp + ".transport_socket", fc.getTransportSocket());
            mesh = tls == MESH;
            if (mesh) tls = null;
        }
        // an optional connection_limit in front, then exactly one terminal filter
        int first = fc.getFiltersCount() > 0 && fc.getFilters(0).getName().equals(CONNECTION_LIMIT_FILTER) ? 1 : 0;
        dev.lattice.proxy.config.ConnectionLimit limit = first == 1
                ? connectionLimit(res, cp + ".filters[0]", fc.getFilters(0)) : null;
        if (fc.getFiltersCount() - first != 1) {
            throw new XdsRejection(res, cp + ".filters: exactly one filter (" + XdsResources.HCM_FILTER + " or "
                    + TCP_PROXY_FILTER + ") is required" + (first == 1 ? " after " + CONNECTION_LIMIT_FILTER : "")
                    + ", got " + (fc.getFiltersCount() - first));
        }
        Filter f = fc.getFilters(first);
        String fpath = cp + ".filters[" + first + "]";
        if (!f.getName().equals(XdsResources.HCM_FILTER) && !f.getName().equals(TCP_PROXY_FILTER)) {
            throw new XdsRejection(res, fpath + ": unsupported filter " + f.getName());
        }
        if (!f.hasTypedConfig()) {
            throw new XdsRejection(res, fpath + ".typed_config: required");
        }
        String name = fc.getName().isEmpty() ? "filter_chains[" + index + "]" : fc.getName();
        if (f.getName().equals(XdsResources.HCM_FILTER)) {
            HttpConnectionManager hcm = XdsResources.unpack(res, fpath + ".typed_config", f.getTypedConfig(),
                    HttpConnectionManager.class);
            boolean websocket = false;
            for (int i = 0; i < hcm.getUpgradeConfigsCount(); i++) {
                var u = hcm.getUpgradeConfigs(i);
                String up = fpath + ".typed_config.upgrade_configs[" + i + "]";
                if (!u.getUpgradeType().equalsIgnoreCase("websocket")) {
                    throw new XdsRejection(res, up + ".upgrade_type: unsupported " + u.getUpgradeType() + " (supported: websocket)");
                }
                if (u.getFiltersCount() > 0) {
                    throw new XdsRejection(res, up + ".filters: unsupported");
                }
                websocket = !u.hasEnabled() || u.getEnabled().getValue();
            }
            var filters = XdsResources.httpFilters(res, fpath + ".typed_config", hcm);
            ListenerConfig h = hcmParser.parse(res, fpath + ".typed_config", hcm);
            HttpChainConfig http = new HttpChainConfig(h.statPrefix(), h.stripAnyHostPort(), h.routeConfigName(),
                    h.virtualHosts(), websocket, filters, clientTraffic(res, fpath + ".typed_config", hcm));
            return new FilterChainConfig(name, serverNames, tls, http, null, transportProtocol, mesh, limit);
        }
        if (f.getName().equals(TCP_PROXY_FILTER)) {
            // without transport_socket the TLS bytes pass through; with one, TLS ends here and the plain stream is relayed
            TcpProxy tp = XdsResources.unpack(res, fpath + ".typed_config", f.getTypedConfig(), TcpProxy.class);
            return new FilterChainConfig(name, serverNames, tls, null, parseTcpProxy(res, fpath + ".typed_config", tp),
                    transportProtocol, mesh, limit);
        }
        throw new XdsRejection(res, fpath + ": unsupported filter " + f.getName() + " (supported: "
                + XdsResources.HCM_FILTER + ", " + TCP_PROXY_FILTER + ")");
    }

    /**
     * Envoy's connection_limit network filter (ClientTrafficPolicy {@code maxConnections}): {@code stat_prefix}
     * (required) and {@code max_connections} (1..2^31-1) are enforced; {@code delay} (closing a refused connection
     * later) and {@code runtime_enabled} are not supported and rejected, so that nothing is silently ignored.
     */
    static dev.lattice.proxy.config.ConnectionLimit connectionLimit(String res, String path, Filter f) throws XdsRejection {
        if (!f.hasTypedConfig()) {
            throw new XdsRejection(res, path + ".typed_config: required");
        }
        var cl = XdsResources.unpack(res, path + ".typed_config", f.getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit.class);
        String p = path + ".typed_config";
        if (cl.hasDelay()) {
            throw new XdsRejection(res, p + ".delay: not supported (a refused connection is closed at once)");
        }
        if (cl.hasRuntimeEnabled()) {
            throw new XdsRejection(res, p + ".runtime_enabled: not supported");
        }
        if (cl.getStatPrefix().isEmpty()) {
            throw new XdsRejection(res, p + ".stat_prefix: required");
        }
        if (!cl.hasMaxConnections()) {
            throw new XdsRejection(res, p + ".max_connections: required");
        }
        long max = cl.getMaxConnections().getValue();
        if (max < 1 || max > Integer.MAX_VALUE) {
            throw new XdsRejection(res, p + ".max_connections: must be 1.." + Integer.MAX_VALUE + ", got "
                    + Long.toUnsignedString(max));
        }
        return new dev.lattice.proxy.config.ConnectionLimit(cl.getStatPrefix(), max);
    }

    /**
     * The HCM's client timeouts and HTTP/2 stream limit: {@code request_headers_timeout} (absent: 10 s, unlike Envoy,
     * whose default is none), {@code common_http_protocol_options.idle_timeout} (absent: 1 h, as Envoy),
     * {@code http2_protocol_options.max_concurrent_streams} (absent: 1024); a zero duration disables that timer. The
     * other fields of those two messages are not supported and rejected.
     */
    static dev.lattice.proxy.config.ClientTraffic clientTraffic(String res, String path, HttpConnectionManager hcm)
            throws XdsRejection {
        long head = dev.lattice.proxy.config.ClientTraffic.DEFAULT_REQUEST_HEADERS_TIMEOUT_MILLIS;
        long idle = dev.lattice.proxy.config.ClientTraffic.DEFAULT_IDLE_TIMEOUT_MILLIS;
        int streams = dev.lattice.proxy.config.ClientTraffic.DEFAULT_MAX_CONCURRENT_STREAMS;
        if (hcm.hasRequestHeadersTimeout()) {
            head = millis(res, path + ".request_headers_timeout", hcm.getRequestHeadersTimeout());
        }
        if (hcm.hasCommonHttpProtocolOptions()) {
            var o = hcm.getCommonHttpProtocolOptions();
            String op = path + ".common_http_protocol_options";
            if (!o.toBuilder().clearIdleTimeout().build().equals(o.getDefaultInstanceForType())) {
                throw new XdsRejection(res, op + ": only idle_timeout is supported");
            }
            if (o.hasIdleTimeout()) {
                idle = millis(res, op + ".idle_timeout", o.getIdleTimeout());
            }
        }
        if (hcm.hasHttp2ProtocolOptions()) {
            var o = hcm.getHttp2ProtocolOptions();
            String op = path + ".http2_protocol_options";
            if (!o.toBuilder().clearMaxConcurrentStreams().build().equals(o.getDefaultInstanceForType())) {
                throw new XdsRejection(res, op + ": only max_concurrent_streams is supported");
            }
            if (o.hasMaxConcurrentStreams()) {
                long v = Integer.toUnsignedLong(o.getMaxConcurrentStreams().getValue());
                if (v < 1 || v > Integer.MAX_VALUE) {
                    throw new XdsRejection(res, op + ".max_concurrent_streams: must be 1.." + Integer.MAX_VALUE
                            + ", got " + v);
                }
                streams = (int) v;
            }
        }
        return new dev.lattice.proxy.config.ClientTraffic(head, idle, streams);
    }

    private static long millis(String res, String path, com.google.protobuf.Duration d) throws XdsRejection {
        if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() > 999_999_999) {
            throw new XdsRejection(res, path + ": must be a non-negative duration, got " + d.getSeconds() + "s "
                    + d.getNanos() + "ns");
        }
        if (d.getSeconds() > 315_576_000_000L) {
            throw new XdsRejection(res, path + ": out of range");
        }
        long ms = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
        return ms == 0 && d.getNanos() > 0 ? 1 : ms;
    }

    private static TcpProxyConfig parseTcpProxy(String res, String path, TcpProxy tp) throws XdsRejection {
        List<TcpProxyConfig.WeightedCluster> clusters = new ArrayList<>();
        switch (tp.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (tp.getCluster().isEmpty()) {
                    throw new XdsRejection(res, path + ".cluster: must not be empty");
                }
                clusters.add(new TcpProxyConfig.WeightedCluster(tp.getCluster(), 1));
            }
            case WEIGHTED_CLUSTERS -> {
                int total = 0;
                for (int i = 0; i < tp.getWeightedClusters().getClustersCount(); i++) {
                    var wc = tp.getWeightedClusters().getClusters(i);
                    String wp = path + ".weighted_clusters.clusters[" + i + "]";
                    if (wc.getName().isEmpty()) {
                        throw new XdsRejection(res, wp + ".name: must not be empty");
                    }
                    clusters.add(new TcpProxyConfig.WeightedCluster(wc.getName(), wc.getWeight()));
                    total += wc.getWeight();
                }
                if (total <= 0) {
                    throw new XdsRejection(res, path + ".weighted_clusters: the weights must add up to more than 0");
                }
            }
            default -> throw new XdsRejection(res, path + ": cluster or weighted_clusters is required");
        }
        if (tp.hasTunnelingConfig()) {
            throw new XdsRejection(res, path + ".tunneling_config: unsupported");
        }
        String statPrefix = tp.getStatPrefix();
        return new TcpProxyConfig(statPrefix, clusters);
    }

    private static TlsConfig parseTls(String res, String path, io.envoyproxy.envoy.config.core.v3.TransportSocket ts)
            throws XdsRejection {
        if (!ts.getName().equals(TLS_TRANSPORT_SOCKET)) {
            throw new XdsRejection(res, path + ".name: unsupported transport socket " + ts.getName()
                    + " (supported: " + TLS_TRANSPORT_SOCKET + ")");
        }
        if (!ts.hasTypedConfig()) {
            throw new XdsRejection(res, path + ".typed_config: required (DownstreamTlsContext)");
        }
        String tp = path + ".typed_config";
        Any any = ts.getTypedConfig();
        DownstreamTlsContext d = XdsResources.unpack(res, tp, any, DownstreamTlsContext.class);
        boolean required = d.hasRequireClientCertificate() && d.getRequireClientCertificate().getValue();
        CommonTlsContext c = d.getCommonTlsContext();
        String cp = tp + ".common_tls_context";
        if (c.getTlsCertificateSdsSecretConfigsCount() > 0) {
            return parseMeshTls(res, tp, d, required);
        }
        TlsConfig.ClientValidation validation = null;
        switch (c.getValidationContextTypeCase()) {
            case VALIDATIONCONTEXTTYPE_NOT_SET -> {
                if (required) {
                    throw new XdsRejection(res, tp + ".require_client_certificate: needs common_tls_context.validation_context");
                }
            }
            case VALIDATION_CONTEXT -> validation = parseValidation(res, cp + ".validation_context", c.getValidationContext(), required);
            default -> throw new XdsRejection(res, cp + ": only an inline validation_context is supported, not "
                    + c.getValidationContextTypeCase());
        }

        if (c.getTlsCertificatesCount() == 0) {
            throw new XdsRejection(res, cp + ".tls_certificates: at least one certificate is required");
        }
        List<TlsConfig.Certificate> certs = new ArrayList<>();
        for (int i = 0; i < c.getTlsCertificatesCount(); i++) {
            TlsCertificate tc = c.getTlsCertificates(i);
            String ip = cp + ".tls_certificates[" + i + "]";
            String chain = inline(res, ip + ".certificate_chain", tc.getCertificateChain());
            String key = inline(res, ip + ".private_key", tc.getPrivateKey());
            certs.add(new TlsConfig.Certificate(chain, key));
        }
        List<String> alpn = new ArrayList<>();
        for (int i = 0; i < c.getAlpnProtocolsCount(); i++) {
            String a = c.getAlpnProtocols(i);
            if (!a.equals("h2") && !a.equals("http/1.1")) {
                throw new XdsRejection(res, cp + ".alpn_protocols[" + i + "]: unsupported " + a + " (supported: h2, http/1.1)");
            }
            alpn.add(a);
        }
        TlsConfig tls = new TlsConfig(certs, alpn, validation);
        try {
            ServerTlsContexts.build(tls);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new XdsRejection(res, (msg.startsWith("tls_certificates[") || msg.startsWith("validation_context.") ? cp + "." : cp + ": ") + msg);
        }
        return tls;
    }

    /** The marker {@link #parseTls} returns for a mesh mTLS context (the chain's {@code meshTls}). */
    private static final TlsConfig MESH = new TlsConfig(List.of(new TlsConfig.Certificate("mesh", "mesh")), List.of());

    /**
     * The mesh server context of docs/xds.md "Inbound": the proxy's own certificate (static secret {@code default}),
     * a client certificate required and validated by secret {@code ROOTCA} (SPIFFE), TLS 1.3, ALPN h2 and http/1.1.
     * Anything else with SDS secrets is refused, naming the field.
     */
    private static TlsConfig parseMeshTls(String res, String tp, DownstreamTlsContext d, boolean required) throws XdsRejection {
        CommonTlsContext c = d.getCommonTlsContext();
        String cp = tp + ".common_tls_context";
        if (c.getTlsCertificateSdsSecretConfigsCount() != 1 || !c.getTlsCertificateSdsSecretConfigs(0).getName().equals(SECRET_DEFAULT)
                || c.getTlsCertificateSdsSecretConfigs(0).hasSdsConfig()) {
            throw new XdsRejection(res, cp + ".tls_certificate_sds_secret_configs: only [{name: default}] (the proxy's own "
                    + "certificate, a static secret) is supported");
        }
        if (c.getTlsCertificatesCount() > 0) {
            throw new XdsRejection(res, cp + ".tls_certificates: not with tls_certificate_sds_secret_configs");
        }
        if (c.getValidationContextTypeCase()
                != CommonTlsContext.ValidationContextTypeCase.VALIDATION_CONTEXT_SDS_SECRET_CONFIG
                || !c.getValidationContextSdsSecretConfig().getName().equals(SECRET_ROOTCA)) {
            throw new XdsRejection(res, cp + ".validation_context_sds_secret_config: {name: ROOTCA} is required with "
                    + "tls_certificate_sds_secret_configs");
        }
        if (!required) {
            throw new XdsRejection(res, tp + ".require_client_certificate: must be true for mesh mTLS");
        }
        for (int i = 0; i < c.getAlpnProtocolsCount(); i++) {
            String a = c.getAlpnProtocols(i);
            if (!a.equals("h2") && !a.equals("http/1.1")) {
                throw new XdsRejection(res, cp + ".alpn_protocols[" + i + "]: unsupported " + a + " (supported: h2, http/1.1)");
            }
        }
        return MESH;
    }

    static final String SECRET_DEFAULT = "default";
    static final String SECRET_ROOTCA = "ROOTCA";

    /** validation_context: trusted_ca inline, trust_chain_verification VERIFY_TRUST_CHAIN or ACCEPT_UNTRUSTED, nothing else. */
    private static TlsConfig.ClientValidation parseValidation(String res, String path,
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext v, boolean required)
            throws XdsRejection {
        var defaults = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
                .setTrustedCa(v.getTrustedCa()).setTrustChainVerification(v.getTrustChainVerification()).build();
        if (!v.equals(defaults)) {
            throw new XdsRejection(res, path + ": only trusted_ca and trust_chain_verification are supported");
        }
        if (!v.hasTrustedCa()) throw new XdsRejection(res, path + ".trusted_ca: required");
        String ca = inline(res, path + ".trusted_ca", v.getTrustedCa());
        boolean acceptUntrusted = switch (v.getTrustChainVerification()) {
            case VERIFY_TRUST_CHAIN -> false;
            case ACCEPT_UNTRUSTED -> true;
            default -> throw new XdsRejection(res, path + ".trust_chain_verification: unsupported " + v.getTrustChainVerification());
        };
        return new TlsConfig.ClientValidation(ca, required, acceptUntrusted);
    }

    /** The PEM a DataSource holds inline (a file or an environment variable is refused, naming the field). */
    static String inline(String res, String path, DataSource ds) throws XdsRejection {
        return switch (ds.getSpecifierCase()) {
            case INLINE_STRING -> ds.getInlineString();
            case INLINE_BYTES -> ds.getInlineBytes().toString(StandardCharsets.UTF_8);
            default -> throw new XdsRejection(res, path + ": an inline_string or inline_bytes PEM is required, got "
                    + ds.getSpecifierCase());
        };
    }
}
