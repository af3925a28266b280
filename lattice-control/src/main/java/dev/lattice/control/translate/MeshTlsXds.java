package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.control.MeshTrust;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The mesh security part of docs/xds.md: the {@code ROOTCA} secret, a sidecar's inbound chains by mTLS mode, and auto
 * mTLS to meshed endpoints ({@code transport_socket_matches} and endpoint metadata). Pure.
 */
final class MeshTlsXds {
    static final String ROOTCA = "ROOTCA";
    static final String DEFAULT = "default";
    static final String TLS = "envoy.transport_sockets.tls";
    static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";
    static final String MATCH_FILTER = "envoy.transport_socket_match";
    static final String MATCH_KEY = "lattice.dev/tls";
    static final String MATCH_MTLS = "mtls";

    private MeshTlsXds() {}

    /** The secrets every proxy gets: ROOTCA (the bundles per trust domain), none without mesh identities. */
    static List<Secret> secrets(MeshTrust trust) {
        if (!trust.enabled() || trust.bundles().isEmpty()) return List.of();
        SPIFFECertValidatorConfig.Builder cfg = SPIFFECertValidatorConfig.newBuilder();
        for (Map.Entry<String, String> e : trust.bundles().entrySet()) {
            cfg.addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder().setName(e.getKey())
                    .setTrustBundle(DataSource.newBuilder().setInlineString(e.getValue())));
        }
        return List.of(Secret.newBuilder().setName(ROOTCA)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder().setName(SPIFFE_VALIDATOR)
                                .setTypedConfig(Any.pack(cfg.build()))))
                .build());
    }

    private static SdsSecretConfig rootCa() {
        return SdsSecretConfig.newBuilder().setName(ROOTCA)
                .setSdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())).build();
    }

    private static TlsParameters tls13() {
        return TlsParameters.newBuilder().setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3).build();
    }

    private static TransportSocket serverSocket() {
        DownstreamTlsContext d = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(tls13())
                        .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(DEFAULT))
                        .setValidationContextSdsSecretConfig(rootCa()))
                .build();
        return TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(d)).build();
    }

    /**
     * A sidecar inbound listener (built by {@link XdsBuilder} with its one plain chain) by mode: STRICT, one mTLS
     * chain; PERMISSIVE, tls_inspector and an mTLS chain for TLS bytes beside the plain one for the rest; DISABLE
     * (or null), unchanged.
     */
    static Listener inbound(Listener plain, dev.lattice.model.MtlsMode mode) {
        if (mode == null || mode == dev.lattice.model.MtlsMode.DISABLE) return plain;
        FilterChain chain = plain.getFilterChains(0);
        Listener.Builder b = plain.toBuilder().clearFilterChains();
        FilterChain mtls = chain.toBuilder().setName("mtls").setTransportSocket(serverSocket()).build();
        if (mode == dev.lattice.model.MtlsMode.STRICT) return b.addFilterChains(mtls).build();
        return b.addListenerFilters(ListenerFilter.newBuilder().setName(ChainsXds.TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                .addFilterChains(mtls.toBuilder().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
                .addFilterChains(chain.toBuilder().setName("plaintext")
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
                .build();
    }

    /** The endpoint metadata that selects the mesh transport socket. */
    static Metadata endpointMetadata() {
        return Metadata.newBuilder().putFilterMetadata(MATCH_FILTER, Struct.newBuilder()
                .putFields(MATCH_KEY, Value.newBuilder().setStringValue(MATCH_MTLS).build()).build()).build();
    }

    /** ALPN of the mesh transport socket of an HTTP/1.1 cluster: HTTP/2 between proxies where the peer allows it. */
    static final List<String> MESH_ALPN = List.of("h2", "http/1.1");

    /**
     * Adds the mesh transport socket match to a cluster whose endpoints include meshed ones. An HTTP/1.1 cluster also
     * gets {@code HttpProtocolOptions.auto_config} (HTTP/1.1 and HTTP/2 options) and the match ALPN {@code h2,
     * http/1.1}: ALPN decides the protocol of each mesh connection (h2 between two Lattice proxies), and endpoints
     * without a sidecar, plaintext, stay HTTP/1.1. An h2c cluster keeps its explicit HTTP/2 and ALPN {@code h2}.
     */
    static void clusterMatches(Cluster.Builder b, Ir.Cluster c) {
        TreeSet<String> ids = new TreeSet<>();
        for (Ir.Endpoint e : c.endpoints()) {
            if (e.identity() != null) ids.add(e.identity());
        }
        if (ids.isEmpty()) return;
        CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder();
        for (String id : ids) {
            v.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI)
                    .setMatcher(StringMatcher.newBuilder().setExact(id)));
        }
        UpstreamTlsContext u = UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsParams(tls13())
                        .addAllAlpnProtocols(c.h2c() ? List.of("h2") : MESH_ALPN)
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(DEFAULT))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(v)
                                .setValidationContextSdsSecretConfig(rootCa())))
                .build();
        b.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("mtls")
                .setMatch(Struct.newBuilder().putFields(MATCH_KEY, Value.newBuilder().setStringValue(MATCH_MTLS).build()))
                .setTransportSocket(TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(u))));
        if (!c.h2c()) {
            b.putTypedExtensionProtocolOptions(XdsBuilder.HTTP_PROTOCOL_OPTIONS, Any.pack(
                    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                            .setAutoConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.AutoHttpConfig.newBuilder()
                                    .setHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance())
                                    .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()))
                            .build()));
        }
    }
}
