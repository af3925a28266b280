package dev.lattice.proxy.cluster;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream HTTP/1.1 connection or h2 stream: hands what it reads to the exchange that
 * currently owns it ({@link #owner}), or, while idle in the pool, closes the connection on any input.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    public final boolean h2Stream;
    public EndpointPool pool;
    public UpstreamOwner owner;
    public ChannelHandlerContext ctx;
    public Channel channel;

    UpstreamHandler(boolean h2Stream) {
        this.h2Stream = h2Stream;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    public void write(Object msg) {
        ctx.write(msg, ctx.voidPromise());
    }

    public void flush() {
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamOwner o = owner;
        if (o != null) {
            o.upstreamRead(this, msg);
        } else {
            ReferenceCountUtil.release(msg);
            if (!h2Stream) {
                // an idle pooled connection that talks is not reusable
                ctx.close();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamOwner o = owner;
        if (o != null) {
            o.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamOwner o = owner;
        if (o != null) {
            o.upstreamWritabilityChanged(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!h2Stream && pool != null) {
            pool.removeIdle(this);
        }
        UpstreamOwner o = owner;
        owner = null;
        if (o != null) {
            o.upstreamClosed(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
