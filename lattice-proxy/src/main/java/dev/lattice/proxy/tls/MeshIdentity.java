package dev.lattice.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * This proxy's mesh identity: its X.509-SVID (key and chain, from {@link IdentityAgent}) and the trust bundles
 * (roots per trust domain, from SDS). Hands out the TLS contexts of mesh connections, built once per generation
 * (a new certificate or bundle is a new generation: new connections use it, open ones keep theirs, so a rotation
 * drops nothing). TLS 1.3 only, ALPN {@code h2} and {@code http/1.1}; BoringSSL (netty-tcnative) when its native
 * library loads, else the JDK's TLS ({@link TlsProviders}).
 */
public final class MeshIdentity {
    /** The certificate in use: its SPIFFE ID, key, chain (leaf first) and end of validity. */
    public record Svid(String spiffeId, PrivateKey key, List<X509Certificate> chain, Instant notAfter) {
        public Svid {
            chain = List.copyOf(chain);
        }

        @Override
        public String toString() {
            return "Svid[" + spiffeId + " until " + notAfter + "]";
        }
    }

    public static final List<String> ALPN = List.of("h2", "http/1.1");
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private volatile Svid svid;
    private volatile Map<String, List<X509Certificate>> bundles = Map.of();
    private volatile Generation generation = new Generation(null, Map.of());

    /** The contexts of one (svid, bundles) pair, built lazily. */
    private static final class Generation {
        final Svid svid;
        final Map<String, List<X509Certificate>> bundles;
        volatile SslContext server;
        final Map<List<Object>, SslContext> clients = new ConcurrentHashMap<>();

        Generation(Svid svid, Map<String, List<X509Certificate>> bundles) {
            this.svid = svid;
            this.bundles = bundles;
        }
    }

    /** Which TLS implementation mesh connections use: "BoringSSL" or "JDK" ({@link TlsProviders}). */
    public static String provider() {
        return TlsProviders.name();
    }

    private static SslProvider sslProvider() {
        return TlsProviders.provider();
    }

    /** A server builder holding the SVID: BoringSSL gets key and chain as such (converted once), the JDK an in-memory key manager. */
    private static SslContextBuilder serverBuilder(Svid svid, SslProvider p) {
        return p == SslProvider.JDK
                ? SslContextBuilder.forServer(new InMemoryKeyManager(List.of(new InMemoryKeyManager.Entry(svid.key(), svid.chain()))))
                : SslContextBuilder.forServer(svid.key(), svid.chain());
    }

    public Svid svid() {
        return svid;
    }

    public Map<String, List<X509Certificate>> bundles() {
        return bundles;
    }

    public synchronized void setSvid(Svid s) {
        svid = s;
        generation = new Generation(s, bundles);
    }

    public synchronized void setBundles(Map<String, List<X509Certificate>> b) {
        bundles = Map.copyOf(b);
        generation = new Generation(svid, bundles);
    }

    /** True when this proxy can take and make mesh connections (it has a certificate and trust bundles). */
    public boolean ready() {
        Generation g = generation;
        return g.svid != null && !g.bundles.isEmpty();
    }

    /**
     * The server context of inbound mesh connections: this proxy's certificate, a client certificate required and
     * verified against the bundle of its trust domain. Null when not {@link #ready()}.
     */
    public SslContext server() {
        Generation g = generation;
        if (g.svid == null || g.bundles.isEmpty()) return null;
        SslContext s = g.server;
        if (s != null) return s;
        synchronized (g) {
            if (g.server == null) {
                try {
                    SslProvider p = sslProvider();
                    g.server = serverBuilder(g.svid, p)
                            .sslProvider(p)
                            .protocols(PROTOCOLS)
                            .trustManager(new SpiffeTrustManager(g.bundles, null))
                            .clientAuth(ClientAuth.REQUIRE)
                            .applicationProtocolConfig(alpn())
                            .build();
                } catch (SSLException e) {
                    throw new IllegalStateException("mesh TLS: cannot build the server context: " + e.getMessage(), e);
                }
            }
            return g.server;
        }
    }

    /**
     * The client context of outbound mesh connections whose server must prove one of {@code expected} (SPIFFE
     * IDs), presenting this proxy's certificate. Null when not {@link #ready()}.
     */
    public SslContext client(Set<String> expected, List<String> alpn) {
        Generation g = generation;
        if (g.svid == null || g.bundles.isEmpty()) return null;
        Set<String> ids = Set.copyOf(expected);
        // one context per (expected IDs, ALPN offer): a meshHttp2 cluster's pools and its tunnels offer different ALPN
        List<Object> key = List.of(ids, List.copyOf(alpn));
        return g.clients.computeIfAbsent(key, k -> {
            try {
                SslProvider p = sslProvider();
                SslContextBuilder b = SslContextBuilder.forClient().sslProvider(p).protocols(PROTOCOLS);
                if (p == SslProvider.JDK) {
                    b.keyManager(new InMemoryKeyManager(List.of(new InMemoryKeyManager.Entry(g.svid.key(), g.svid.chain()))));
                } else {
                    b.keyManager(g.svid.key(), g.svid.chain());
                }
                return b
                        .trustManager(new SpiffeTrustManager(g.bundles, ids.isEmpty() ? null : ids))
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                        .build();
            } catch (SSLException e) {
                throw new IllegalStateException("mesh TLS: cannot build a client context: " + e.getMessage(), e);
            }
        });
    }

    private static ApplicationProtocolConfig alpn() {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN);
    }
}
