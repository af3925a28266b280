package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.util.ReferenceCountUtil;

/** After the WebSocket handshake: echoes every text, binary and continuation frame; answers ping and close. */
final class WebSocketEchoHandler extends ChannelInboundHandlerAdapter {
    private final WebSocketServerHandshaker handshaker;

    WebSocketEchoHandler(WebSocketServerHandshaker handshaker) {
        this.handshaker = requireNonNull(handshaker, "handshaker");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            // anything left of the HTTP request that carried the upgrade (its empty last content)
            ReferenceCountUtil.release(msg);
            return;
        }
        if (frame instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close);
            return;
        }
        if (frame instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
            return;
        }
        if (frame instanceof PongWebSocketFrame) {
            frame.release();
            return;
        }
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame) {
            ctx.writeAndFlush(frame);
            return;
        }
        frame.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
