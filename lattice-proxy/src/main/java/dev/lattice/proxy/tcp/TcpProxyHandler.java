package dev.lattice.proxy.tcp;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.cluster.UpstreamConnector;
import dev.lattice.proxy.cluster.UpstreamTls;
import dev.lattice.proxy.listener.CompiledChain;
import dev.lattice.proxy.listener.ListenerSlot;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * A passthrough filter chain (tcp_proxy): connects to an endpoint of the chain's (weighted) cluster on this
 * connection's event loop, sends what has been read so far (the ClientHello included), then both channels become a
 * {@link RelayHandler} byte relay. No cluster, no endpoint or a failed connect closes the client. Behind TLS
 * termination (the chain has a TLS context) the relay carries the decrypted bytes, and the end of the upstream's
 * stream is passed on as a TLS close_notify.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private final ListenerSlot slot;
    private final CompiledChain chain;
    private List<Object> buffered = new ArrayList<>(2);
    private boolean closed;
    /** The client's input ended before the upstream was connected (epoll reads up to a half-close regardless of autoRead). */
    private boolean inputShutdown;

    public TcpProxyHandler(ListenerSlot slot, CompiledChain chain) {
        this.slot = slot;
        this.chain = chain;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel down = ctx.channel();
        down.config().setAutoRead(false);
        down.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        CompiledChain.TcpTargets t = chain.tcp();
        ClusterRuntime cluster = t.totalWeight() <= 0 ? null : t.pick();
        if (cluster == null || cluster.endpoints.length == 0) {
            down.close();
            return;
        }
        // the loop's balancer picks the endpoint; its upstream TLS (BackendTLSPolicy or mesh mTLS) re-encrypts the bytes
        UpstreamConnector.Tunnel tunnel = UpstreamConnector.connect(down, slot.upstreamChannelClass, cluster,
                t.generation(), false, true, up -> {
                    if (chain.tls()) up.pipeline().addLast("close-notify", new CloseNotifyHandler(down));
                    up.pipeline().addLast("relay", new RelayHandler(down));
                });
        UpstreamTls upTls = tunnel.tls;
        ChannelFuture f = tunnel.future;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                cluster.connectFailures.inc();
                release();
                down.close();
                return;
            }
            UpstreamTls.whenSecured(upTls, f.channel(), () -> relay(ctx, cluster, f.channel()), cause -> {
                cluster.connectFailures.inc();
                release();
                down.close();
            });
        });
    }

    /** The upstream is connected (and its TLS verified): sends what was read so far, then relays both ways. */
    private void relay(ChannelHandlerContext ctx, ClusterRuntime cluster, Channel up) {
        Channel down = ctx.channel();
        cluster.connectionsOpened.inc();
        if (closed || !down.isActive()) {
            release();
            up.close();
            return;
        }
        List<Object> b = buffered;
        buffered = null;
        for (Object m : b) {
            up.write(m, up.voidPromise());
        }
        up.flush();
        ChannelPipeline p = ctx.pipeline();
        RelayHandler relay = new RelayHandler(up);
        p.replace(this, "relay", relay);
        if (inputShutdown) {
            // passed on now that the relay exists: the upstream gets the buffered bytes, then its FIN
            relay.userEventTriggered(p.context(relay), ChannelInputShutdownEvent.INSTANCE);
        }
        up.config().setAutoRead(true);
        down.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (buffered == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        buffered.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // reading stays off until the upstream is connected
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            RelayHandler.keepWatched(ctx.channel()); // the buffered bytes are all there is; see keepWatched
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * On the upstream side of a relay behind TLS termination: when the upstream's input ends, the client is sent a
     * TLS close_notify before the relay shuts the connection's output, so that it sees a clean end of stream.
     */
    static final class CloseNotifyHandler extends ChannelInboundHandlerAdapter {
        private final Channel down;

        CloseNotifyHandler(Channel down) {
            this.down = down;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                SslHandler ssl = down.pipeline().get(SslHandler.class);
                if (ssl != null && down.isActive()) {
                    // both channels share the event loop: the close_notify is written before the relay shuts the output
                    if (down.eventLoop().inEventLoop()) {
                        ssl.closeOutbound();
                    } else {
                        down.eventLoop().execute(ssl::closeOutbound);
                    }
                }
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void release() {
        List<Object> b = buffered;
        buffered = null;
        if (b != null) {
            b.forEach(ReferenceCountUtil::release);
        }
    }
}
