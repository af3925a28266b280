package dev.lattice.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.proxy.admin.ConfigDump;
import dev.lattice.proxy.config.ClusterConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cluster shape of docs/xds.md "HTTP/2 between proxies": {@code HttpProtocolOptions.auto_config} with the mesh
 * transport socket's ALPN {@code [h2, http/1.1]} makes the mesh hop h2-capable ({@code meshHttp2}), the plaintext
 * endpoints stay HTTP/1.1; ALPN lists that do not fit the protocol are refused, naming the field.
 */
class MeshHttp2ClusterTest {
    static final String AUTO = "auto";

    /** A cluster like the control plane's: one meshed endpoint (metadata) and one plain one. */
    static Cluster cluster(String protocol, List<String> alpn) {
        Metadata mtls = Metadata.newBuilder().putFilterMetadata(ClusterTransportSocket.MATCH_FILTER, Struct.newBuilder()
                .putFields(ClusterTransportSocket.MATCH_KEY, Value.newBuilder().setStringValue("mtls").build()).build()).build();
        Cluster.Builder b = Cluster.newBuilder().setName("default/books/9080").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("default/books/9080")
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(endpoint(25080)).setMetadata(mtls))
                                .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(endpoint(19095)))));
        HttpProtocolOptions.Builder hpo = HttpProtocolOptions.newBuilder();
        switch (protocol) {
            case AUTO -> hpo.setAutoConfig(HttpProtocolOptions.AutoHttpConfig.newBuilder()
                    .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance())
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()));
            case "h2" -> hpo.setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()));
            default -> hpo = null;
        }
        if (hpo != null) b.putTypedExtensionProtocolOptions(XdsResources.HTTP_PROTOCOL_OPTIONS_KEY, Any.pack(hpo.build()));
        UpstreamTlsContext u = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addAllAlpnProtocols(alpn)
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default"))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                        .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                                                .setSanType(SubjectAltNameMatcher.SanType.URI)
                                                .setMatcher(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/books"))))
                                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA"))))
                .build();
        b.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("mtls")
                .setMatch(Struct.newBuilder().putFields(ClusterTransportSocket.MATCH_KEY, Value.newBuilder().setStringValue("mtls").build()))
                .setTransportSocket(TransportSocket.newBuilder().setName(ClusterTransportSocket.TLS).setTypedConfig(Any.pack(u))));
        return b.build();
    }

    static Endpoint endpoint(int port) {
        return Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port))).build();
    }

    @Test
    void autoConfigWithAlpnH2AndHttp11MakesTheMeshHopHttp2AndKeepsHttp11ForPlainEndpoints() throws Exception {
        ClusterConfig c = XdsResources.parseCluster(cluster(AUTO, List.of("h2", "http/1.1")));
        assertThat(c.meshHttp2()).isTrue();
        assertThat(c.protocol()).isEqualTo(ClusterConfig.UpstreamProtocol.HTTP1);
        assertThat(c.endpoints()).extracting(ClusterConfig.Endpoint::mtls).containsExactly(true, false);
        // either order is the same offer
        assertThat(XdsResources.parseCluster(cluster(AUTO, List.of("http/1.1", "h2"))).meshHttp2()).isTrue();
    }

    @Test
    void withoutAutoConfigOrWithoutH2InTheOfferTheMeshHopStaysHttp11() throws Exception {
        assertThat(XdsResources.parseCluster(cluster("none", List.of("http/1.1"))).meshHttp2()).isFalse();
        assertThat(XdsResources.parseCluster(cluster("none", List.of())).meshHttp2()).isFalse();
        assertThat(XdsResources.parseCluster(cluster(AUTO, List.of("http/1.1"))).meshHttp2()).isFalse();
        ClusterConfig h2c = XdsResources.parseCluster(cluster("h2", List.of("h2")));
        assertThat(h2c.meshHttp2()).isFalse();
        assertThat(h2c.protocol()).isEqualTo(ClusterConfig.UpstreamProtocol.H2C);
    }

    @Test
    void alpnThatDoesNotFitTheProtocolIsRefusedNamingTheField() {
        String field = "transport_socket_matches[0].transport_socket.typed_config.common_tls_context.alpn_protocols";
        // h2 offered on a cluster that says HTTP/1.1 only: the proxy would get streams it cannot send as HTTP/1.1
        assertThatThrownBy(() -> XdsResources.parseCluster(cluster("none", List.of("h2", "http/1.1"))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(field + "[0]: h2 does not fit");
        assertThatThrownBy(() -> XdsResources.parseCluster(cluster("h2", List.of("http/1.1"))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(field + "[0]");
        assertThatThrownBy(() -> XdsResources.parseCluster(cluster(AUTO, List.of("h2"))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(field + ": auto_config needs http/1.1");
        assertThatThrownBy(() -> XdsResources.parseCluster(cluster(AUTO, List.of("h2", "h3", "http/1.1"))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(field + "[1]: h3");
    }

    @Test
    void autoConfigWithHttp3IsRefused() {
        Cluster c = cluster(AUTO, List.of("h2", "http/1.1"));
        Cluster bad = c.toBuilder().putTypedExtensionProtocolOptions(XdsResources.HTTP_PROTOCOL_OPTIONS_KEY, Any.pack(
                HttpProtocolOptions.newBuilder().setAutoConfig(HttpProtocolOptions.AutoHttpConfig.newBuilder()
                        .setHttp3ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http3ProtocolOptions.getDefaultInstance())).build()))
                .build();
        assertThatThrownBy(() -> XdsResources.parseCluster(bad)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining(".auto_config: http3_protocol_options");
    }

    @Test
    void configDumpShowsWhetherTheMeshHopIsHttp2() throws Exception {
        ClusterConfig h2 = XdsResources.parseCluster(cluster(AUTO, List.of("h2", "http/1.1")));
        ClusterConfig h1 = XdsResources.parseCluster(cluster("none", List.of("http/1.1")));
        ClusterConfig h1Named = new ClusterConfig("h1", h1.lbPolicy(), h1.protocol(), h1.connectTimeout(), h1.endpoints(),
                h1.tls(), h1.meshTls(), false);
        var config = new dev.lattice.proxy.config.ProxyConfig(List.of(), java.util.Map.of(h2.name(), h2, "h1", h1Named));
        var json = com.google.gson.JsonParser.parseString(ConfigDump.render("n", "v", true, "xds", "t", true, null, null,
                config, java.util.Map.of()));
        var byName = new java.util.HashMap<String, Boolean>();
        for (var e : json.getAsJsonObject().getAsJsonArray("clusters")) {
            byName.put(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject().get("meshHttp2").getAsBoolean());
        }
        assertThat(byName).containsEntry("default/books/9080", true).containsEntry("h1", false);
    }
}
