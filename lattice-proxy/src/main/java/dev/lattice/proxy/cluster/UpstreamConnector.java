package dev.lattice.proxy.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The one way an upstream connection is made, on the event loop that uses it (as Envoy's workers connect): pooled
 * HTTP connections ({@link EndpointPool}, HTTP/1.1 and h2) and unpooled tunnels (a TCP relay, a WebSocket tunnel)
 * alike go through {@link #open}: the loop's bootstrap, the cluster's connect timeout, and the endpoint's upstream
 * TLS (BackendTLSPolicy, or mesh mTLS with the expected SPIFFE IDs; ALPN h2 only when the caller speaks it) first in
 * the pipeline with the same timeout for its handshake. The endpoint comes from the loop's balancer for the cluster
 * (round robin or least request): a pooled request picks it in the router, a tunnel in {@link #connect}, where it
 * counts as one active request on that endpoint while it lives (so least request sees it).
 */
public final class UpstreamConnector {
    private UpstreamConnector() {}

    /** A connection being made: its future, where it goes, its TLS (or null), and the endpoint it counts on. */
    public static final class Tunnel {
        public final ChannelFuture future;
        final InetSocketAddress address;
        public final UpstreamTls tls;
        private EndpointPool pool;

        private Tunnel(ChannelFuture future, InetSocketAddress address, UpstreamTls tls, EndpointPool pool) {
            this.future = future;
            this.address = address;
            this.tls = tls;
            this.pool = pool;
        }

        /** The tunnel is over: it no longer counts on its endpoint. Idempotent; on the loop only. */
        void release() {
            EndpointPool p = pool;
            pool = null;
            if (p != null) p.active--;
        }
    }

    /**
     * Connects to an endpoint of {@code cluster} (which has at least one) picked by {@code down}'s loop balancer;
     * {@code generation} is the config's (stale balancers are dropped when it grows).
     */
    public static Tunnel connect(Channel down, Class<? extends SocketChannel> channelClass, ClusterRuntime cluster, long generation,
                          boolean autoRead, boolean halfClosure, Consumer<Channel> init) {
        LoopState loop = LoopState.get(down.eventLoop(), channelClass);
        LbState lb = loop.balancer(cluster, generation);
        int i = lb.pick();
        EndpointPool pool = lb.pools[i];
        pool.active++;
        InetSocketAddress addr = cluster.endpoints[i];
        UpstreamTls tls = cluster.endpointTls[i];
        Bootstrap b = loop.bootstrap.clone()
                .option(ChannelOption.AUTO_READ, autoRead)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure);
        // never ALPN h2 for a tunnel: its bytes are HTTP/1.1 (a WebSocket upgrade) or opaque
        ChannelFuture f = open(b, addr, tls, false, cluster.connectTimeoutMillis, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel up) {
                init.accept(up);
            }
        });
        Tunnel t = new Tunnel(f, addr, tls, pool);
        // however it ends (failed connect, either side closing), the tunnel stops counting on its endpoint
        f.channel().closeFuture().addListener(x -> t.release());
        return t;
    }

    /**
     * Connects {@code base} (a loop's bootstrap, or a clone with more options) to {@code address} within
     * {@code connectTimeoutMillis}; with {@code tls}, its handler comes first (offering ALPN h2 when {@code offerH2})
     * and must finish its handshake in the same time; then {@code handler}, when not null.
     */
    static ChannelFuture open(Bootstrap base, InetSocketAddress address, UpstreamTls tls, boolean offerH2,
            int connectTimeoutMillis, ChannelHandler handler) {
        Bootstrap b = base.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
        if (tls == null) {
            b.handler(handler);
        } else {
            b.handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    SslHandler ssl = tls.newHandler(ch.alloc(), address, offerH2);
                    ssl.setHandshakeTimeoutMillis(connectTimeoutMillis);
                    ch.pipeline().addLast("tls", ssl);
                    if (handler != null) {
                        ch.pipeline().addLast(handler);
                    }
                }
            });
        }
        return b.connect(address);
    }
}
