package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.UpstreamTlsConfig;
import dev.lattice.proxy.http.UpstreamTls;
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
            client = new UpstreamTlsConfig.ClientCertificate(ListenerChains.inline(res, ip + ".certificate_chain", tc.getCertificateChain()),
                    ListenerChains.inline(res, ip + ".private_key", tc.getPrivateKey()));
        }
        if (c.getValidationContextTypeCase() != CommonTlsContext.ValidationContextTypeCase.VALIDATION_CONTEXT) {
            throw new XdsRejection(res, cp + ".validation_context: required (the proxy never talks TLS to an unverified upstream)");
        }
        CertificateValidationContext v = c.getValidationContext();
        String vp = cp + ".validation_context";
        String trusted = null;
        if (v.hasTrustedCa()) {
            trusted = ListenerChains.inline(res, vp + ".trusted_ca", v.getTrustedCa());
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
