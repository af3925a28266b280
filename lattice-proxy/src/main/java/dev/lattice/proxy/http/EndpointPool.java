package dev.lattice.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's connections to one endpoint: idle keep-alive HTTP/1.1 connections, or one multiplexed h2c
 * connection. {@link #active} counts the requests in flight (least request reads it).
 */
final class EndpointPool {
    final LoopState loop;
    final InetSocketAddress address;
    final boolean h2;
    int active;
    private final ArrayDeque<UpstreamHandler> idle = new ArrayDeque<>();
    // h2
    private Channel h2Connection;
    private boolean h2Connecting;
    private List<Waiter> h2Waiters;

    EndpointPool(LoopState loop, InetSocketAddress address, boolean h2) {
        this.loop = loop;
        this.address = address;
        this.h2 = h2;
    }

    private record Waiter(UpstreamOwner handler, long seq) {}

    /**
     * Gets a connection (or stream) for {@code d}'s exchange {@code seq}: calls {@link UpstreamOwner#upstreamReady}
     * (possibly right away) or {@link UpstreamOwner#upstreamFailed}.
     */
    void acquire(UpstreamOwner d, long seq, ClusterRuntime cluster, boolean fresh) {
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
        ChannelFuture f = loop.h1Bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, cluster.connectTimeoutMillis)
                .connect(address);
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) {
                cluster.connectionsOpened.inc();
                UpstreamHandler u = cf.channel().pipeline().get(UpstreamHandler.class);
                u.pool = this;
                d.upstreamReady(u, seq, false);
            } else {
                cluster.connectFailures.inc();
                d.upstreamFailed(seq, cf.cause());
            }
        });
    }

    /** Returns a reusable HTTP/1.1 connection. */
    void release(UpstreamHandler u) {
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
        ChannelFuture f = loop.h2Bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, cluster.connectTimeoutMillis)
                .connect(address);
        f.addListener((ChannelFutureListener) cf -> {
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
        });
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
