package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;

/** The filter chains of a listener that has several (TLS by SNI, passthrough): docs/xds.md "Listener: TLS and SNI". */
final class ChainsXds {
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    static final String TLS_SOCKET = "envoy.transport_sockets.tls";
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

    private ChainsXds() {}

    static Listener withChains(Listener.Builder b, Ir.Listener l) {
        boolean sni = l.chains().stream().anyMatch(c -> !c.serverNames().isEmpty());
        if (sni) {
            b.addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR)
                    .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        }
        for (Ir.FilterChain c : l.chains()) b.addFilterChains(chain(c));
        return b.build();
    }

    static FilterChain chain(Ir.FilterChain c) {
        FilterChain.Builder f = FilterChain.newBuilder();
        if (!c.serverNames().isEmpty()) f.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(c.serverNames()));
        if (c.tls() != null) {
            CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAllAlpnProtocols(c.tls().alpn());
            for (Ir.Certificate cert : c.tls().certificates()) {
                common.addTlsCertificates(TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString(cert.chainPem()))
                        .setPrivateKey(DataSource.newBuilder().setInlineString(cert.keyPem())));
            }
            DownstreamTlsContext.Builder d = DownstreamTlsContext.newBuilder();
            Ir.ClientValidation v = c.tls().clientValidation();
            if (v != null) {
                // AllowValidOnly: a client certificate is required and must chain to the CA; AllowInsecureFallback:
                // asked for but optional, and an untrusted one is accepted (docs/xds.md "Client certificates")
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.Builder vc =
                        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.newBuilder()
                                .setTrustedCa(DataSource.newBuilder().setInlineString(v.trustedCaPem()));
                if (v.insecureFallback()) {
                    vc.setTrustChainVerification(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                            .CertificateValidationContext.TrustChainVerification.ACCEPT_UNTRUSTED);
                } else {
                    d.setRequireClientCertificate(com.google.protobuf.BoolValue.of(true));
                }
                common.setValidationContext(vc);
            }
            f.setTransportSocket(TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(
                    d.setCommonTlsContext(common).build())));
        }
        switch (c.action()) {
            case Ir.Hcm h -> {
                Filter limit = XdsBuilder.connectionLimit(h);
                if (limit != null) f.addFilters(limit);
                f.addFilters(XdsBuilder.hcmFilter(XdsBuilder.hcm(h)));
            }
            case Ir.TcpProxy t -> {
                TcpProxy.Builder tp = TcpProxy.newBuilder().setStatPrefix(t.statPrefix());
                if (t.clusters().size() == 1) {
                    tp.setCluster(t.clusters().get(0).name());
                } else {
                    TcpProxy.WeightedCluster.Builder w = TcpProxy.WeightedCluster.newBuilder();
                    for (Ir.WeightedCluster wc : t.clusters()) {
                        w.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(wc.name()).setWeight(wc.weight()));
                    }
                    tp.setWeightedClusters(w);
                }
                f.addFilters(Filter.newBuilder().setName(TCP_PROXY).setTypedConfig(Any.pack(tp.build())));
            }
        }
        return f.build();
    }
}
