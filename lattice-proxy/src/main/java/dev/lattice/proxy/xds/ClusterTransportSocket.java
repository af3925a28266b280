package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import dev.lattice.proxy.cluster.UpstreamTls;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.UpstreamTlsConfig;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster's {@code transport_socket} (docs/xds.md, "Cluster: upstream TLS"): {@code envoy.transport_sockets.tls}
 * with an UpstreamTlsContext carrying {@code sni} and a {@code common_tls_context.validation_context} with
 * {@code trusted_ca} inline PEM or {@code system_root_certs}, and {@code match_typed_subject_alt_names} (DNS or URI,
 * exact), and at most one inline {@code tls_certificates} entry, the client certificate presented to the upstream.
 * Anything else (SDS, other matchers) is rejected, and so is a client certificate or key that does not parse or match.
 */
final class ClusterTransportSocket {
    static final String TLS = "envoy.transport_sockets.tls";

    private ClusterTransportSocket() {}

    /** The endpoint metadata key and value of docs/xds.md "Outbound: auto mTLS to meshed endpoints". */
    static final String MATCH_FILTER = "envoy.transport_socket_match";
    static final String MATCH_KEY = "lattice.dev/tls";
    static final String MATCH_MTLS = "mtls";

    /** Whether an endpoint's metadata selects the mesh transport socket. */
    static boolean meshEndpoint(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint le) {
        var fm = le.getMetadata().getFilterMetadataMap().get(MATCH_FILTER);
        if (fm == null) return false;
        var v = fm.getFieldsMap().get(MATCH_KEY);
        return v != null && v.getStringValue().equals(MATCH_MTLS);
    }

    /**
     * {@code transport_socket_matches}: none, or exactly one entry matching {@code {"lattice.dev/tls": "mtls"}} whose
     * transport socket is the mesh client context (the proxy's own certificate, static secret {@code default};
     * validation by secret {@code ROOTCA} with {@code match_typed_subject_alt_names} URI exact matchers: the SPIFFE
     * IDs expected of the endpoints). Anything else is refused, naming the field.
     */
    static ClusterConfig.MeshTls parseMatches(String res, io.envoyproxy.envoy.config.cluster.v3.Cluster c,
            ClusterConfig.UpstreamProtocol protocol, boolean auto) throws XdsRejection {
        if (c.getTransportSocketMatchesCount() == 0) return null;
        if (c.getTransportSocketMatchesCount() > 1) {
            throw new XdsRejection(res, "transport_socket_matches: at most one entry (the mesh mTLS match) is supported");
        }
        var m = c.getTransportSocketMatches(0);
        String path = "transport_socket_matches[0]";
        var fields = m.getMatch().getFieldsMap();
        if (fields.size() != 1 || fields.get(MATCH_KEY) == null || !fields.get(MATCH_KEY).getStringValue().equals(MATCH_MTLS)) {
            throw new XdsRejection(res, path + ".match: only {\"" + MATCH_KEY + "\": \"" + MATCH_MTLS + "\"} is supported");
        }
        TransportSocket ts = m.getTransportSocket();
        String tsp = path + ".transport_socket";
        if (!ts.getName().equals(TLS) || !ts.hasTypedConfig()) {
            throw new XdsRejection(res, tsp + ": " + TLS + " with an UpstreamTlsContext is required");
        }
        UpstreamTlsContext u = XdsResources.unpack(res, tsp + ".typed_config", ts.getTypedConfig(), UpstreamTlsContext.class);
        CommonTlsContext cc = u.getCommonTlsContext();
        String cp = tsp + ".typed_config.common_tls_context";
        if (cc.getTlsCertificateSdsSecretConfigsCount() != 1
                || !cc.getTlsCertificateSdsSecretConfigs(0).getName().equals(ListenerParser.SECRET_DEFAULT)
                || cc.getTlsCertificateSdsSecretConfigs(0).hasSdsConfig() || cc.getTlsCertificatesCount() > 0) {
            throw new XdsRejection(res, cp + ".tls_certificate_sds_secret_configs: [{name: default}] is required");
        }
        if (cc.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.COMBINED_VALIDATION_CONTEXT
                || !cc.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName()
                        .equals(ListenerParser.SECRET_ROOTCA)) {
            throw new XdsRejection(res, cp + ".combined_validation_context: required, with validation_context_sds_secret_config "
                    + "{name: ROOTCA}");
        }
        checkMeshAlpn(res, cp, cc.getAlpnProtocolsList(), protocol, auto);
        CertificateValidationContext v = cc.getCombinedValidationContext().getDefaultValidationContext();
        String vp = cp + ".combined_validation_context.default_validation_context";
        if (!v.toBuilder().clearMatchTypedSubjectAltNames().build().equals(CertificateValidationContext.getDefaultInstance())) {
            throw new XdsRejection(res, vp + ": only match_typed_subject_alt_names is supported");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            SubjectAltNameMatcher sm = v.getMatchTypedSubjectAltNames(i);
            String mp = vp + ".match_typed_subject_alt_names[" + i + "]";
            if (sm.getSanType() != SubjectAltNameMatcher.SanType.URI
                    || sm.getMatcher().getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT
                    || !sm.getMatcher().getExact().startsWith("spiffe://")) {
                throw new XdsRejection(res, mp + ": a URI SAN with an exact spiffe:// matcher is required");
            }
            ids.add(sm.getMatcher().getExact());
        }
        return new ClusterConfig.MeshTls(u.getSni(), ids);
    }


    /**
     * The mesh socket's {@code alpn_protocols} against the cluster's protocol: h2c clusters {@code [h2]}, HTTP/1.1 ones
     * {@code [http/1.1]}, and with {@code auto_config} {@code [h2, http/1.1]} (either order) or {@code [http/1.1]}; empty
     * is taken as the protocol's default.
     */
    private static void checkMeshAlpn(String res, String cp, List<String> alpn, ClusterConfig.UpstreamProtocol protocol,
            boolean auto) throws XdsRejection {
        if (alpn.isEmpty()) return;
        java.util.Set<String> want = auto ? java.util.Set.of("h2", "http/1.1")
                : java.util.Set.of(protocol == ClusterConfig.UpstreamProtocol.H2C ? "h2" : "http/1.1");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < alpn.size(); i++) {
            String a = alpn.get(i);
            if (!want.contains(a) || !seen.add(a)) {
                throw new XdsRejection(res, cp + ".alpn_protocols[" + i + "]: " + a + " does not fit the cluster's protocol "
                        + (auto ? "(auto_config: h2 and http/1.1)" : "(" + want.iterator().next() + ")"));
            }
        }
        if (auto && !seen.contains("http/1.1")) {
            throw new XdsRejection(res, cp + ".alpn_protocols: auto_config needs http/1.1 among them (the fallback)");
        }
    }

    /** Whether the (validated) mesh transport socket match offers ALPN h2. */
    static boolean meshOffersH2(io.envoyproxy.envoy.config.cluster.v3.Cluster c) throws XdsRejection {
        if (c.getTransportSocketMatchesCount() != 1) return false;
        try {
            UpstreamTlsContext u = c.getTransportSocketMatches(0).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
            return u.getCommonTlsContext().getAlpnProtocolsList().contains("h2");
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    static UpstreamTlsConfig parse(String res, TransportSocket ts, ClusterConfig.UpstreamProtocol protocol) throws XdsRejection {
        String path = "transport_socket";
        if (!ts.getName().equals(TLS)) {
            throw new XdsRejection(res, path + ".name: unsupported transport socket " + ts.getName() + " (supported: " + TLS + ")");
        }
        if (!ts.hasTypedConfig()) {
            throw new XdsRejection(res, path + ".typed_config: required (UpstreamTlsContext)");
        }
        String tp = path + ".typed_config";
        Any any = ts.getTypedConfig();
        UpstreamTlsContext u = XdsResources.unpack(res, tp, any, UpstreamTlsContext.class);
        CommonTlsContext c = u.getCommonTlsContext();
        String cp = tp + ".common_tls_context";
        if (c.getTlsCertificateSdsSecretConfigsCount() > 0) {
            throw new XdsRejection(res, cp + ".tls_certificate_sds_secret_configs: unsupported (inline certificates only)");
        }
        if (c.getTlsCertificatesCount() > 1) {
            throw new XdsRejection(res, cp + ".tls_certificates: at most one client certificate is supported");
        }
        UpstreamTlsConfig.ClientCertificate client = null;
        if (c.getTlsCertificatesCount() == 1) {
            TlsCertificate tc = c.getTlsCertificates(0);
            String ip = cp + ".tls_certificates[0]";
            client = new UpstreamTlsConfig.ClientCertificate(ListenerParser.inline(res, ip + ".certificate_chain", tc.getCertificateChain()),
                    ListenerParser.inline(res, ip + ".private_key", tc.getPrivateKey()));
        }
        if (c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATION_CONTEXT) {
            throw new XdsRejection(res, cp + ".validation_context: required (the proxy never talks TLS to an unverified upstream)");
        }
        CertificateValidationContext v = c.getValidationContext();
        String vp = cp + ".validation_context";
        String trusted = null;
        if (v.hasTrustedCa()) {
            trusted = ListenerParser.inline(res, vp + ".trusted_ca", v.getTrustedCa());
            if (v.hasSystemRootCerts()) {
                throw new XdsRejection(res, vp + ": trusted_ca and system_root_certs are exclusive");
            }
        } else if (!v.hasSystemRootCerts()) {
            throw new XdsRejection(res, vp + ": trusted_ca or system_root_certs is required");
        }
        if (v.getMatchSubjectAltNamesCount() > 0) {
            throw new XdsRejection(res, vp + ".match_subject_alt_names: unsupported (use match_typed_subject_alt_names)");
        }
        List<UpstreamTlsConfig.SanMatcher> sans = new ArrayList<>();
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
            String mp = vp + ".match_typed_subject_alt_names[" + i + "]";
            UpstreamTlsConfig.SanType type = switch (m.getSanType()) {
                case DNS -> UpstreamTlsConfig.SanType.DNS;
                case URI -> UpstreamTlsConfig.SanType.URI;
                default -> throw new XdsRejection(res, mp + ".san_type: unsupported " + m.getSanType() + " (supported: DNS, URI)");
            };
            if (m.getMatcher().getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT || m.getMatcher().getIgnoreCase()) {
                throw new XdsRejection(res, mp + ".matcher: only a case-sensitive exact matcher is supported");
            }
            sans.add(new UpstreamTlsConfig.SanMatcher(type, m.getMatcher().getExact()));
        }
        if (!c.getAlpnProtocolsList().isEmpty()) {
            for (int i = 0; i < c.getAlpnProtocolsCount(); i++) {
                String a = c.getAlpnProtocols(i);
                String want = protocol == ClusterConfig.UpstreamProtocol.H2C ? "h2" : "http/1.1";
                if (!a.equals(want)) {
                    throw new XdsRejection(res, cp + ".alpn_protocols[" + i + "]: " + a + " does not fit the cluster's protocol (" + want + ")");
                }
            }
        }
        UpstreamTlsConfig cfg = new UpstreamTlsConfig(u.getSni().isEmpty() ? null : u.getSni(), trusted, sans, client);
        try {
            UpstreamTls.build(cfg, protocol);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new XdsRejection(res, (msg.startsWith("tls_certificates") ? cp : vp) + "." + msg);
        }
        return cfg;
    }
}
