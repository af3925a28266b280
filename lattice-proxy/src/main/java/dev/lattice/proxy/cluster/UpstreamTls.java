package dev.lattice.proxy.cluster;

import static java.util.Objects.requireNonNull;

import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.UpstreamTlsConfig;
import io.netty.buffer.ByteBufAllocator;
import dev.lattice.proxy.tls.PemParser;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The client side of a cluster's TLS transport socket: one {@link SslContext} per cluster (its trust anchors and ALPN
 * by the cluster's protocol: {@code h2} or {@code http/1.1}; mesh mTLS of a {@code meshHttp2} cluster offers both to
 * pooled HTTP connections), an {@link SslHandler} per connection with the SNI, and
 * the subject alternative name check once the handshake (chain and expiry checked by the JDK's PKIX trust manager)
 * has succeeded. The TLS implementation is the process's ({@link dev.lattice.proxy.tls.TlsProviders}: BoringSSL, or
 * the JDK's as the fallback).
 */
public final class UpstreamTls {
    /**
     * {@code -Dlattice.proxy.meshHttp2=false}: mesh mTLS offers only the cluster's protocol even where the cluster says
     * {@code meshHttp2} (to compare HTTP/1.1 and h2 between proxies, or to step around a problem).
     */
    public static final boolean MESH_HTTP2_ENABLED = !"false".equals(System.getProperty("lattice.proxy.meshHttp2"));

    private final UpstreamTlsConfig config;
    private final SslContext context;
    // mesh mTLS: the context is the identity's current one (a rotation reaches the next connection)
    private final dev.lattice.proxy.tls.MeshIdentity mesh;
    private final ClusterConfig.MeshTls meshTls;
    private final java.util.Set<String> expected;
    private final List<String> meshAlpn;
    /** Mesh ALPN of tunnels (WebSocket, TCP relay) and of pools that do not take h2: the cluster's protocol only. */
    private final List<String> meshAlpnNoH2;

    private UpstreamTls(UpstreamTlsConfig config, SslContext context) {
        this.config = config;
        this.context = context;
        this.mesh = null;
        this.meshTls = null;
        this.expected = null;
        this.meshAlpn = null;
        this.meshAlpnNoH2 = null;
    }

    private UpstreamTls(dev.lattice.proxy.tls.MeshIdentity mesh, ClusterConfig.MeshTls meshTls, List<String> alpn,
            List<String> alpnNoH2) {
        this.config = null;
        this.context = null;
        this.mesh = mesh;
        this.meshTls = meshTls;
        this.expected = java.util.Set.copyOf(meshTls.expectedIds());
        this.meshAlpn = List.copyOf(alpn);
        this.meshAlpnNoH2 = List.copyOf(alpnNoH2);
    }

    /**
     * Mesh mTLS to a meshed endpoint: this proxy's certificate, the peer's SPIFFE ID checked against the trust bundle
     * of its domain and {@code tls.expectedIds()} in the handshake, ALPN by the cluster's protocol, or {@code h2,
     * http/1.1} for pooled HTTP connections when {@code http2} (the cluster's {@code meshHttp2}). {@code identity}
     * null (a proxy without an identity): every connection fails, never falls back to plaintext.
     */
    public static UpstreamTls mesh(dev.lattice.proxy.tls.MeshIdentity identity, ClusterConfig.MeshTls tls,
            ClusterConfig.UpstreamProtocol protocol, boolean http2) {
        requireNonNull(tls, "tls");
        List<String> own = List.of(protocol == ClusterConfig.UpstreamProtocol.H2C
                ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1);
        List<String> pooled = http2 && protocol == ClusterConfig.UpstreamProtocol.HTTP1
                ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1) : own;
        return new UpstreamTls(identity, tls, pooled, own);
    }

    /** Mesh mTLS with ALPN by the cluster's protocol only. */
    public static UpstreamTls mesh(dev.lattice.proxy.tls.MeshIdentity identity, ClusterConfig.MeshTls tls,
            ClusterConfig.UpstreamProtocol protocol) {
        return mesh(identity, tls, protocol, false);
    }

    /** Whether pooled HTTP connections of this (mesh) TLS offer ALPN h2 beside http/1.1 (the peer picks). */
    boolean offersH2AndHttp1() {
        return meshAlpn != null && meshAlpn.size() == 2;
    }

    /** Whether this is mesh mTLS. */
    boolean isMesh() {
        return meshTls != null;
    }

    /**
     * Builds the client context of a cluster.
     *
     * @throws IllegalArgumentException naming what is wrong (the trusted CA PEM holds no certificate or does not parse,
     *     the client certificate or key does not parse or they do not match), from {@code trusted_ca} or
     *     {@code tls_certificates[0]} on
     */
    public static UpstreamTls build(UpstreamTlsConfig config, ClusterConfig.UpstreamProtocol protocol) {
        requireNonNull(config, "config");
        requireNonNull(protocol, "protocol");
        String alpn = protocol == ClusterConfig.UpstreamProtocol.H2C ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1;
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(dev.lattice.proxy.tls.TlsProviders.provider())
                // names are checked against the SAN matchers after the handshake (Envoy's semantics), not the SNI
                .endpointIdentificationAlgorithm(null)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        if (config.trustedCaPem() != null) {
            b.trustManager(certificates(config.trustedCaPem()));
        }
        if (config.clientCertificate() != null) {
            // presented when the upstream asks for a client certificate
            List<X509Certificate> chain = clientChain(config.clientCertificate());
            b.keyManager(clientKey(config.clientCertificate(), chain.get(0)), chain);
        }
        try {
            return new UpstreamTls(config, b.build());
        } catch (SSLException e) {
            throw new IllegalArgumentException("TLS client context: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> clientChain(UpstreamTlsConfig.ClientCertificate c) {
        try {
            return PemParser.certificates(c.chainPem());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls_certificates[0].certificate_chain: " + e.getMessage(), e);
        }
    }

    private static PrivateKey clientKey(UpstreamTlsConfig.ClientCertificate c, X509Certificate leaf) {
        PrivateKey key;
        try {
            key = PemParser.privateKey(c.keyPem());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls_certificates[0].private_key: " + e.getMessage(), e);
        }
        try {
            PemParser.checkKeyMatches(key, leaf);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls_certificates[0]: " + e.getMessage(), e);
        }
        return key;
    }

    /** The PEM certificates of a trust bundle. */
    static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("trusted_ca: not PEM certificates: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("trusted_ca: no certificate in the PEM");
        return List.copyOf(out);
    }

    /** A handler for one pooled HTTP connection to {@code peer}: {@link #newHandler(ByteBufAllocator, InetSocketAddress, boolean)} with h2. */
    SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress peer) {
        return newHandler(alloc, peer, true);
    }

    /**
     * A handler for one connection to {@code peer}, asking for the configured SNI (none when it is not set). Mesh:
     * {@code allowH2} false (tunnels, and pools that settled on HTTP/1.1) offers only the cluster's own protocol.
     */
    SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress peer, boolean allowH2) {
        if (meshTls != null) {
            SslContext c = mesh == null ? null : mesh.client(expected, allowH2 ? meshAlpn : meshAlpnNoH2);
            if (c == null) {
                // caught by the channel initializer: the connection closes and the request fails over to a 503
                throw new IllegalStateException("mesh TLS: this proxy has no certificate or trust bundle yet");
            }
            String sni = meshTls.sni();
            return sni == null || sni.isEmpty() ? c.newHandler(alloc, peer.getHostString(), peer.getPort())
                    : c.newHandler(alloc, sni, peer.getPort());
        }
        String sni = config.sni();
        if (sni == null || sni.isEmpty()) {
            return context.newHandler(alloc);
        }
        return context.newHandler(alloc, sni, peer.getPort());
    }

    /**
     * Checks the peer certificate of a completed handshake against the SAN matchers.
     *
     * @throws SSLPeerUnverifiedException when no subject alternative name matches
     */
    /**
     * Calls {@code ready} once {@code ch} can carry bytes: at once when {@code tls} is null or the channel has no TLS
     * handler, else after the handshake and the subject alternative name check. A failure closes the channel and
     * reaches {@code failed}. Used by the HTTP pools, the WebSocket tunnel and the TCP relay alike.
     */
    public static void whenSecured(UpstreamTls tls, io.netty.channel.Channel ch, Runnable ready,
                            java.util.function.Consumer<Throwable> failed) {
        if (tls == null) {
            ready.run();
            return;
        }
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl == null) {
            // the TLS handler could not be made (mesh TLS without a certificate): never send in plaintext
            ch.close();
            failed.accept(new SSLException("upstream TLS: no TLS context for " + ch.remoteAddress()));
            return;
        }
        ssl.handshakeFuture().addListener(hf -> {
            Throwable cause = hf.cause();
            if (cause == null) {
                try {
                    tls.verify(ssl.engine().getSession());
                } catch (SSLPeerUnverifiedException e) {
                    cause = e;
                }
            }
            if (cause == null) {
                ready.run();
            } else {
                ch.close();
                failed.accept(cause);
            }
        });
    }

    void verify(SSLSession session) throws SSLPeerUnverifiedException {
        // mesh: the SPIFFE trust manager has checked domain, chain and expected IDs in the handshake
        if (config == null || config.subjectAltNames().isEmpty()) return;
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new SSLPeerUnverifiedException("upstream TLS: no peer certificate");
        }
        if (!matches(leaf, config.subjectAltNames())) {
            throw new SSLPeerUnverifiedException("upstream TLS: the certificate of " + leaf.getSubjectX500Principal()
                    + " has no subject alternative name matching " + config.subjectAltNames());
        }
    }

    /** Whether one of the certificate's DNS or URI SANs is matched by one of {@code matchers}. */
    static boolean matches(X509Certificate cert, List<UpstreamTlsConfig.SanMatcher> matchers) {
        java.util.Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (sans == null) return false;
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            for (UpstreamTlsConfig.SanMatcher m : matchers) {
                if (type == 2 && m.type() == UpstreamTlsConfig.SanType.DNS && dnsMatches(value, m.value())) return true;
                if (type == 6 && m.type() == UpstreamTlsConfig.SanType.URI && value.equals(m.value())) return true;
            }
        }
        return false;
    }

    /** A certificate's DNS name against a wanted name: equal ignoring case, or a {@code *.} wildcard covering one label. */
    static boolean dnsMatches(String certName, String wanted) {
        String c = certName.toLowerCase(Locale.ROOT);
        String w = wanted.toLowerCase(Locale.ROOT);
        if (c.equals(w)) return true;
        if (c.startsWith("*.") && !w.startsWith("*.")) {
            int dot = w.indexOf('.');
            return dot > 0 && w.substring(dot).equals(c.substring(1));
        }
        return false;
    }
}
