package dev.lattice.proxy.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * The one way an unpooled upstream connection is made (a TCP relay, a WebSocket tunnel), on the downstream
 * channel's event loop, as pooled HTTP connections are: the loop's balancer for the cluster picks the endpoint (round
 * robin or least request, as for HTTP requests), the tunnel counts as one active request on that endpoint while it
 * lives (so least request sees it), the cluster's connect timeout applies, and the endpoint's upstream TLS
 * (BackendTLSPolicy, or mesh mTLS with the expected SPIFFE IDs) is put first in the pipeline with the same timeout
 * for its handshake. The caller adds its own handlers in {@code init}; the tunnel stops counting when its upstream
 * channel closes.
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
        LbState lb = LoopState.get(down.eventLoop(), channelClass).balancer(cluster, generation);
        int i = lb.pick();
        EndpointPool pool = lb.pools[i];
        pool.active++;
        InetSocketAddress addr = cluster.endpoints[i];
        UpstreamTls tls = cluster.endpointTls[i];
        ChannelFuture f = new Bootstrap()
                .group(down.eventLoop())
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, cluster.connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, autoRead)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel up) {
                        if (tls != null) {
                            // never ALPN h2 for a tunnel: its bytes are HTTP/1.1 (a WebSocket upgrade) or opaque
                            SslHandler ssl = tls.newHandler(up.alloc(), addr, false);
                            ssl.setHandshakeTimeoutMillis(cluster.connectTimeoutMillis);
                            up.pipeline().addLast("upstream-tls", ssl);
                        }
                        init.accept(up);
                    }
                })
                .connect(addr);
        Tunnel t = new Tunnel(f, addr, tls, pool);
        // however it ends (failed connect, either side closing), the tunnel stops counting on its endpoint
        f.channel().closeFuture().addListener(x -> t.release());
        return t;
    }
}
