package dev.lattice.proxy.xds;

import static dev.lattice.proxy.TlsTestConfigs.direct;
import static dev.lattice.proxy.TlsTestConfigs.httpChain;
import static dev.lattice.proxy.TlsTestConfigs.listener;
import static dev.lattice.proxy.TlsTestConfigs.tcpChain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.proxy.config.FilterChainConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.TcpProxyConfig;
import dev.lattice.proxy.tls.TestCerts;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerParserTest {
    static final TestCerts.Cert FOO = TestCerts.selfSigned("foo.example.com", "RSA", "foo.example.com");
    static final TestCerts.Cert WILD = TestCerts.selfSigned("*.example.com", "EC", "*.example.com");

    @Test
    void chainsWithTlsSniAndPassthrough() throws Exception {
        Listener l = listener("gateway/443", 443, List.of(
                httpChain("foo", List.of("foo.example.com"), FOO.certPem(), FOO.traditionalKeyPem(),
                        direct("foo", List.of("foo.example.com"), "foo")),
                httpChain("wild", List.of("*.Example.com"), WILD.certPem(), WILD.pkcs8KeyPem(),
                        direct("wild", List.of("*.example.com"), "wild")),
                tcpChain("pass", List.of("pass.example.org"), "default/tls-backend/443"),
                httpChain("plain", List.of(), null, null, direct("all", List.of("*"), "plain"))));
        ListenerConfig c = XdsResources.parseListener(l);
        assertThat(c.tlsInspector()).isTrue();
        assertThat(c.filterChains()).extracting(FilterChainConfig::name).containsExactly("foo", "wild", "pass", "plain");
        FilterChainConfig foo = c.filterChains().get(0);
        assertThat(foo.serverNames()).containsExactly("foo.example.com");
        assertThat(foo.tls().alpnProtocols()).containsExactly("h2", "http/1.1");
        assertThat(foo.http().websocket()).isTrue();
        assertThat(c.filterChains().get(1).serverNames()).containsExactly("*.example.com");
        assertThat(c.filterChains().get(2).tcpProxy().clusters())
                .containsExactly(new TcpProxyConfig.WeightedCluster("default/tls-backend/443", 1));
        assertThat(c.filterChains().get(3).tls()).isNull();
        // the top-level route fields mirror the first HTTP chain
        assertThat(c.virtualHosts()).isEqualTo(foo.http().virtualHosts());
    }

    @Test
    void aTcpProxyChainWithATransportSocketTerminatesTls() throws Exception {
        Listener l = listener("gateway/8443", 8443, List.of(
                tcpChain("term", List.of("tls.example.com"), "default/tcp-backend/3000").toBuilder()
                        .setTransportSocket(dev.lattice.proxy.TlsTestConfigs.tls(FOO.certPem(), FOO.pkcs8KeyPem())).build(),
                tcpChain("pass", List.of("abc.example.com"), "default/tcp-backend/8443")));
        ListenerConfig c = XdsResources.parseListener(l);
        FilterChainConfig term = c.filterChains().get(0);
        assertThat(term.tls()).isNotNull();
        assertThat(term.tcpProxy().clusters()).containsExactly(new TcpProxyConfig.WeightedCluster("default/tcp-backend/3000", 1));
        assertThat(c.filterChains().get(1).tls()).isNull();
    }

    @Test
    void aPlainSingleChainWithoutWebsocketKeepsTheIssue2Form() throws Exception {
        Listener l = listener("gw", 80, List.of(httpChain("c", List.of(), null, null, direct("all", List.of("*"), "x"))));
        Listener noUpgrade = l.toBuilder().setFilterChains(0, l.getFilterChains(0).toBuilder().setFilters(0,
                l.getFilterChains(0).getFilters(0).toBuilder().setTypedConfig(com.google.protobuf.Any.pack(
                        dev.lattice.proxy.TlsTestConfigs.hcm("c", direct("all", List.of("*"), "x")).toBuilder()
                                .clearUpgradeConfigs().build())))).build();
        assertThat(XdsResources.parseListener(noUpgrade).filterChains()).isEmpty();
        assertThat(XdsResources.parseListener(l).filterChains()).hasSize(1);
    }

    @Test
    void invalidCertificateOrKeyIsRejectedNamingListenerAndChain() {
        Listener badKey = listener("gateway/443", 443, List.of(
                httpChain("foo", List.of("foo.example.com"), FOO.certPem(), WILD.pkcs8KeyPem(),
                        direct("foo", List.of("foo.example.com"), "foo"))));
        assertThatThrownBy(() -> XdsResources.parseListener(badKey)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("listener gateway/443: filter_chains[0] (foo).transport_socket.typed_config"
                        + ".common_tls_context.tls_certificates[0]: the private key is EC but the certificate's public key is RSA");
        Listener badPem = listener("gateway/443", 443, List.of(
                httpChain("plain", List.of(), null, null, direct("all", List.of("*"), "x")),
                httpChain("foo", List.of("foo.example.com"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
                        FOO.pkcs8KeyPem(), direct("foo", List.of("foo.example.com"), "foo"))));
        assertThatThrownBy(() -> XdsResources.parseListener(badPem)).isInstanceOf(XdsRejection.class)
                .hasMessageStartingWith("listener gateway/443: filter_chains[1] (foo).transport_socket.typed_config"
                        + ".common_tls_context.tls_certificates[0].certificate_chain: not a valid PEM certificate chain");
    }

    @Test
    void chainMatchingRulesAreChecked() {
        Listener noInspector = listener("l", 443, List.of(tcpChain("p", List.of("a.example"), "c"))).toBuilder()
                .clearListenerFilters().build();
        assertThatThrownBy(() -> XdsResources.parseListener(noInspector))
                .hasMessageContaining("filter_chains[0] (p).filter_chain_match.server_names: needs the listener filter "
                        + "envoy.filters.listener.tls_inspector");
        Listener dup = listener("l", 443, List.of(tcpChain("p", List.of("a.example"), "c"),
                tcpChain("q", List.of("b.example", "a.example"), "c")));
        assertThatThrownBy(() -> XdsResources.parseListener(dup))
                .hasMessageContaining("filter_chains[1] (q).filter_chain_match.server_names: a.example is already used by filter_chains[0] (p)");
        Listener twoDefaults = listener("l", 443, List.of(
                httpChain("a", List.of(), null, null, direct("all", List.of("*"), "x")),
                httpChain("b", List.of(), null, null, direct("all", List.of("*"), "x"))));
        assertThatThrownBy(() -> XdsResources.parseListener(twoDefaults))
                .hasMessageContaining("filter_chains[1] (b): a second chain without server_names");
        Listener badWildcard = listener("l", 443, List.of(tcpChain("p", List.of("foo.*"), "c")));
        assertThatThrownBy(() -> XdsResources.parseListener(badWildcard))
                .hasMessageContaining("server_names[0]: a wildcard must be a leading '*.' label, got foo.*");
        Listener otherFilter = listener("l", 443, List.of(tcpChain("p", List.of("a.example"), "c"))).toBuilder()
                .addListenerFilters(io.envoyproxy.envoy.config.listener.v3.ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.proxy_protocol")).build();
        assertThatThrownBy(() -> XdsResources.parseListener(otherFilter))
                .hasMessageContaining("listener_filters[1]: unsupported listener filter envoy.filters.listener.proxy_protocol");
    }

    /** A chain's transport socket with the client validation of a Gateway's spec.tls.frontend (docs/xds.md). */
    private static io.envoyproxy.envoy.config.core.v3.TransportSocket mtls(Boolean require,
            io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.TrustChainVerification v) throws Exception {
        var base = dev.lattice.proxy.TlsTestConfigs.tls(FOO.certPem(), FOO.pkcs8KeyPem());
        var d = base.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class).toBuilder();
        if (require != null) d.setRequireClientCertificate(com.google.protobuf.BoolValue.of(require));
        if (v != null) {
            d.getCommonTlsContextBuilder().setValidationContext(
                    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
                            .setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString(WILD.certPem()))
                            .setTrustChainVerification(v));
        }
        return base.toBuilder().setTypedConfig(com.google.protobuf.Any.pack(d.build())).build();
    }

    private static Listener withSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket ts) {
        return listener("gateway/443", 443, List.of(httpChain("foo", List.of("foo.example.com"), FOO.certPem(),
                FOO.pkcs8KeyPem(), direct("foo", List.of("foo.example.com"), "foo")).toBuilder().setTransportSocket(ts).build()));
    }

    @Test
    void clientCertificateValidationIsParsed() throws Exception {
        var verify = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.TrustChainVerification.VERIFY_TRUST_CHAIN;
        var untrusted = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.TrustChainVerification.ACCEPT_UNTRUSTED;
        var strict = XdsResources.parseListener(withSocket(mtls(true, verify))).filterChains().get(0).tls().clientValidation();
        assertThat(strict).isEqualTo(new dev.lattice.proxy.config.TlsConfig.ClientValidation(WILD.certPem(), true, false));
        var fallback = XdsResources.parseListener(withSocket(mtls(null, untrusted))).filterChains().get(0).tls().clientValidation();
        assertThat(fallback).isEqualTo(new dev.lattice.proxy.config.TlsConfig.ClientValidation(WILD.certPem(), false, true));
        assertThat(XdsResources.parseListener(withSocket(mtls(null, null))).filterChains().get(0).tls().clientValidation()).isNull();
        assertThatThrownBy(() -> XdsResources.parseListener(withSocket(mtls(true, null)))).isInstanceOf(XdsRejection.class)
                .hasMessageContaining(".require_client_certificate: needs common_tls_context.validation_context");
    }

    private static Listener withHcm(java.util.function.UnaryOperator<
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Builder> edit)
            throws Exception {
        var chain = httpChain("plain", List.of(), null, null, direct("all", List.of("*"), "plain"));
        var hcm = chain.getFilters(0).getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
        var f = chain.getFilters(0).toBuilder().setTypedConfig(com.google.protobuf.Any.pack(edit.apply(hcm.toBuilder()).build()));
        return listener("gateway/80", 80, List.of(chain.toBuilder().setFilters(0, f).build()));
    }

    @Test
    void clientTimeoutsAndTheStreamLimitAreParsedAndDefaulted() throws Exception {
        ListenerConfig none = XdsResources.parseListener(withHcm(b -> b));
        // nothing set: the defaults
        assertThat(none.effectiveChains().get(0).http().clientTraffic()).isEqualTo(dev.lattice.proxy.config.ClientTraffic.DEFAULTS);
        ListenerConfig explicitDefaults = XdsResources.parseListener(withHcm(b -> b
                .setRequestHeadersTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(3600)))));
        assertThat(explicitDefaults.effectiveChains().get(0).http().clientTraffic())
                .isEqualTo(dev.lattice.proxy.config.ClientTraffic.DEFAULTS);
        ListenerConfig set = XdsResources.parseListener(withHcm(b -> b
                .setRequestHeadersTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2).setNanos(500_000_000))
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(com.google.protobuf.Duration.newBuilder()))
                .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.newBuilder()
                        .setMaxConcurrentStreams(com.google.protobuf.UInt32Value.of(7)))));
        assertThat(set.filterChains().get(0).http().clientTraffic())
                .isEqualTo(new dev.lattice.proxy.config.ClientTraffic(2_500, 0, 7));
        assertThatThrownBy(() -> XdsResources.parseListener(withHcm(b -> b
                .setRequestHeadersTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(-1)))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(".request_headers_timeout: must be a non-negative duration");
        assertThatThrownBy(() -> XdsResources.parseListener(withHcm(b -> b
                .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.newBuilder()
                        .setMaxConcurrentStreams(com.google.protobuf.UInt32Value.of(0))))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("http2_protocol_options.max_concurrent_streams: must be 1..");
        assertThatThrownBy(() -> XdsResources.parseListener(withHcm(b -> b
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setMaxHeadersCount(com.google.protobuf.UInt32Value.of(5))))))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("common_http_protocol_options: only idle_timeout is supported");
    }

    private static Listener withLimit(io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit cl) {
        var chain = httpChain("plain", List.of(), null, null, direct("all", List.of("*"), "plain"));
        var limit = io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.connection_limit")
                .setTypedConfig(com.google.protobuf.Any.pack(cl));
        return listener("gateway/80", 80, List.of(chain.toBuilder().clearFilters().addFilters(limit)
                .addFilters(chain.getFilters(0)).build()));
    }

    @Test
    void aConnectionLimitInFrontOfTheHcmIsParsedAndItsUnsupportedFieldsRejected() throws Exception {
        var ok = io.envoyproxy.envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit.newBuilder()
                .setStatPrefix("gateway_80").setMaxConnections(com.google.protobuf.UInt64Value.of(3)).build();
        ListenerConfig c = XdsResources.parseListener(withLimit(ok));
        // a limited listener never takes the plain form: the chain carries its limit
        assertThat(c.filterChains()).hasSize(1);
        assertThat(c.filterChains().get(0).connectionLimit())
                .isEqualTo(new dev.lattice.proxy.config.ConnectionLimit("gateway_80", 3));
        assertThat(c.filterChains().get(0).http()).isNotNull();
        // without one: none
        assertThat(XdsResources.parseListener(withHcm(b -> b)).effectiveChains().get(0).connectionLimit()).isNull();
        assertThatThrownBy(() -> XdsResources.parseListener(withLimit(ok.toBuilder().clearMaxConnections().build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("filters[0].typed_config.max_connections: required");
        assertThatThrownBy(() -> XdsResources.parseListener(withLimit(ok.toBuilder()
                .setMaxConnections(com.google.protobuf.UInt64Value.of(0)).build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("max_connections: must be 1..");
        assertThatThrownBy(() -> XdsResources.parseListener(withLimit(ok.toBuilder().setStatPrefix("").build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("stat_prefix: required");
        assertThatThrownBy(() -> XdsResources.parseListener(withLimit(ok.toBuilder()
                .setDelay(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build())))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("typed_config.delay: not supported");
        // the limit alone is no chain
        var chain = httpChain("plain", List.of(), null, null, direct("all", List.of("*"), "plain"));
        Listener onlyLimit = listener("gateway/80", 80, List.of(chain.toBuilder().setFilters(0,
                io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.connection_limit")
                        .setTypedConfig(com.google.protobuf.Any.pack(ok))).build()));
        assertThatThrownBy(() -> XdsResources.parseListener(onlyLimit)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("is required after envoy.filters.network.connection_limit, got 0");
    }
}
