package dev.lattice.proxy.tcp;

import dev.lattice.proxy.listener.EpollRearm;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * One side of a byte relay (TLS passthrough, WebSocket after 101): what this channel reads is written to
 * {@code peer}. Backpressure: reading stops while the peer is not writable and resumes when it drains. Half-close:
 * the end of this side's input shuts the peer's output; a side whose input and output are both shut closes.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    public RelayHandler(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            peer.write(b, peer.voidPromise());
        } else if (msg instanceof ByteBufHolder h && h.content().isReadable()) {
            peer.write(h.content().retain(), peer.voidPromise());
            h.release();
        } else {
            ReferenceCountUtil.release(msg); // e.g. the empty last content of an HTTP codec just removed
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushPeer();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // a peer whose input has ended has nothing left to read (and epoll refuses to watch it again)
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()
                && !(peer instanceof DuplexChannel d && d.isInputShutdown())) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            Channel self = ctx.channel();
            keepWatched(self);
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (peer instanceof DuplexChannel d && d.isActive()) {
                    d.shutdownOutput();
                } else {
                    peer.close();
                }
                if (self instanceof DuplexChannel ds && ds.isOutputShutdown()) {
                    self.close();
                    peer.close();
                }
            });
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Flushes to the peer; a peer whose input has ended may first need its epoll registration back ({@link EpollRearm}). */
    private void flushPeer() {
        if (peer instanceof DuplexChannel d && d.isInputShutdown()) EpollRearm.rearm(peer);
        peer.flush();
    }

    /**
     * Called when {@code ch}'s input has ended (a half-close): reading is left on. Netty 4.2.18's epoll removes a
     * channel's fd from epoll once it watches no event at all (reading off, input ended) but still believes it added,
     * so that a later write needing EPOLLOUT fails (epoll_ctl ENOENT) and the rest of the relayed bytes are lost.
     * With EPOLLIN kept the fd stays watched; there is nothing left to read, so backpressure is not affected.
     */
    static void keepWatched(Channel ch) {
        if (!ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        peer.close();
    }
}
