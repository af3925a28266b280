package dev.lattice.proxy.cluster;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's connections to one endpoint: idle keep-alive HTTP/1.1 connections, or one multiplexed h2
 * connection (h2c, or h2 over TLS). {@link #active} counts the requests in flight (least request reads it).
 *
 * <p>A {@link #byAlpn} pool (mesh mTLS to an endpoint of a {@code meshHttp2} cluster) offers ALPN {@code h2} and
 * {@code http/1.1} and lets its first connection's ALPN decide: {@code h2}, and requests are streams on one
 * connection as for h2c (later connections offer both again); anything else, and the connection carries HTTP/1.1 and
 * the pool stays HTTP/1.1 (offering only {@code http/1.1}) for the rest of its life, as a plain HTTP/1.1 pool.
 */
public final class EndpointPool {
    final LoopState loop;
    public final InetSocketAddress address;
    /** Requests are h2 streams; a {@link #byAlpn} pool starts so and drops to HTTP/1.1 when a peer does not pick h2. */
    boolean h2;
    /** The protocol is each connection's ALPN (h2 or http/1.1), not fixed by the cluster. */
    final boolean byAlpn;
    /** TLS to the endpoint (the clusters sharing this pool have the same), or null. */
    final UpstreamTls tls;
    public int active;
    private final ArrayDeque<UpstreamHandler> idle = new ArrayDeque<>();
    // h2
    private Channel h2Connection;
    private boolean h2Connecting;
    private List<Waiter> h2Waiters;

    EndpointPool(LoopState loop, InetSocketAddress address, boolean h2, UpstreamTls tls) {
        this(loop, address, h2, tls, false);
    }

    private EndpointPool(LoopState loop, InetSocketAddress address, boolean h2, UpstreamTls tls, boolean byAlpn) {
        this.loop = loop;
        this.address = address;
        this.h2 = h2;
        this.tls = tls;
        this.byAlpn = byAlpn;
    }

    /** A pool whose protocol each connection's ALPN decides ({@code tls}: mesh mTLS offering h2 and http/1.1). */
    static EndpointPool byAlpn(LoopState loop, InetSocketAddress address, UpstreamTls tls) {
        return new EndpointPool(loop, address, true, requireTls(tls), true);
    }

    private static UpstreamTls requireTls(UpstreamTls tls) {
        if (tls == null) throw new IllegalArgumentException("an ALPN pool needs TLS");
        return tls;
    }

    /**
     * A new connection to the endpoint: plain, or TLS in front of {@code handler}'s pipeline ({@code handler} null: TLS
     * only, the protocol's handlers are added once ALPN has decided). ALPN offers h2 only while this pool is h2.
     */
    /** A new connection to this endpoint for {@code cluster}, through the loop's one connector. */
    private ChannelFuture connect(ChannelHandler handler, ClusterRuntime cluster) {
        return UpstreamConnector.open(loop.bootstrap, address, tls, h2, cluster.connectTimeoutMillis, handler);
    }

    private record Waiter(UpstreamOwner handler, long seq) {}

    /**
     * Gets a connection (or stream) for {@code d}'s exchange {@code seq}: calls {@link UpstreamOwner#upstreamReady}
     * (possibly right away) or {@link UpstreamOwner#upstreamFailed}.
     */
    public void acquire(UpstreamOwner d, long seq, ClusterRuntime cluster, boolean fresh) {
        if (h2) {
            acquireStream(d, seq, cluster);
            return;
        }
        if (!fresh) {
            UpstreamHandler u;
            while ((u = idle.pollLast()) != null) {
                if (u.channel.isActive()) {
                    d.upstreamReady(u, seq, true);
                    return;
                }
            }
        }
        ChannelFuture f = connect(UpstreamInitializers.HTTP1, cluster);
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) {
                UpstreamTls.whenSecured(tls, cf.channel(), () -> {
                    cluster.connectionsOpened.inc();
                    UpstreamHandler u = cf.channel().pipeline().get(UpstreamHandler.class);
                    u.pool = this;
                    d.upstreamReady(u, seq, false);
                }, cause -> {
                    cluster.connectFailures.inc();
                    d.upstreamFailed(seq, cause);
                });
            } else {
                cluster.connectFailures.inc();
                d.upstreamFailed(seq, cf.cause());
            }
        });
    }

    /** Returns a reusable HTTP/1.1 connection. */
    public void release(UpstreamHandler u) {
        if (h2 || u.h2Stream) {
            u.ctx.close();
            return;
        }
        if (u.channel.isActive()) {
            if (!u.channel.config().isAutoRead()) {
                u.channel.config().setAutoRead(true);
            }
            idle.addLast(u);
        }
    }

    void removeIdle(UpstreamHandler u) {
        idle.remove(u);
    }

    void closeIdle() {
        UpstreamHandler u;
        while ((u = idle.pollFirst()) != null) {
            u.ctx.close();
        }
        if (h2Connection != null && active == 0) {
            h2Connection.close();
            h2Connection = null;
        }
    }

    // ---------------------------------------------------------------- h2

    private void acquireStream(UpstreamOwner d, long seq, ClusterRuntime cluster) {
        Channel c = h2Connection;
        if (c != null && c.isActive()) {
            openStream(c, d, seq);
            return;
        }
        if (h2Waiters == null) {
            h2Waiters = new ArrayList<>(4);
        }
        h2Waiters.add(new Waiter(d, seq));
        if (h2Connecting) {
            return;
        }
        h2Connecting = true;
        ChannelFuture f = connect(byAlpn ? null : UpstreamInitializers.H2_CONNECTION, cluster);
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) {
                UpstreamTls.whenSecured(tls, cf.channel(), () -> {
                    if (byAlpn) {
                        // runs when the handshake completes, before the SslHandler passes on any decrypted byte
                        if (!ApplicationProtocolNames.HTTP_2.equals(cf.channel().pipeline().get(SslHandler.class).applicationProtocol())) {
                            settleOnHttp1(cf.channel(), cluster);
                            return;
                        }
                        cf.channel().pipeline().addLast(UpstreamInitializers.H2_CONNECTION);
                    }
                    h2Connected(cf, cluster);
                }, cause -> {
                    h2Connecting = false;
                    List<Waiter> waiters = h2Waiters;
                    h2Waiters = null;
                    cluster.connectFailures.inc();
                    for (Waiter w : waiters) {
                        w.handler.upstreamFailed(w.seq, cause);
                    }
                });
            } else {
                h2Connected(cf, cluster);
            }
        });
    }

    /**
     * A {@link #byAlpn} connection whose peer did not pick h2: it carries HTTP/1.1 for the first waiter, the others get
     * HTTP/1.1 connections of their own, and the pool is an HTTP/1.1 pool from now on.
     */
    private void settleOnHttp1(Channel ch, ClusterRuntime cluster) {
        h2 = false;
        h2Connecting = false;
        List<Waiter> waiters = h2Waiters;
        h2Waiters = null;
        ch.pipeline().addLast(UpstreamInitializers.HTTP1);
        cluster.connectionsOpened.inc();
        UpstreamHandler u = ch.pipeline().get(UpstreamHandler.class);
        u.pool = this;
        waiters.get(0).handler.upstreamReady(u, waiters.get(0).seq, false);
        for (int i = 1; i < waiters.size(); i++) {
            acquire(waiters.get(i).handler, waiters.get(i).seq, cluster, false);
        }
    }

    private void h2Connected(ChannelFuture cf, ClusterRuntime cluster) {
        h2Connecting = false;
        List<Waiter> waiters = h2Waiters;
        h2Waiters = null;
        if (cf.isSuccess()) {
            cluster.connectionsOpened.inc();
            h2Connection = cf.channel();
            cf.channel().pipeline().get(UpstreamInitializers.H2ConnectionHandler.class).pool = this;
            for (Waiter w : waiters) {
                openStream(cf.channel(), w.handler, w.seq);
            }
        } else {
            cluster.connectFailures.inc();
            for (Waiter w : waiters) {
                w.handler.upstreamFailed(w.seq, cf.cause());
            }
        }
    }

    private void openStream(Channel connection, UpstreamOwner d, long seq) {
        new Http2StreamChannelBootstrap(connection).handler(UpstreamInitializers.H2_STREAM).open()
                .addListener((GenericFutureListener<Future<Http2StreamChannel>>) sf -> {
                    if (sf.isSuccess()) {
                        UpstreamHandler u = sf.getNow().pipeline().get(UpstreamHandler.class);
                        u.pool = this;
                        d.upstreamReady(u, seq, true);
                    } else {
                        h2ConnectionGone(connection);
                        d.upstreamFailed(seq, sf.cause());
                    }
                });
    }

    void h2ConnectionGone(Channel connection) {
        if (h2Connection == connection) {
            h2Connection = null;
        }
    }
}
