package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * HTTP/1.1 echo for one connection. Requests are answered in order (pipelined ones wait in a queue while
 * a response is pending, with reading paused); bodies are counted, never buffered.
 */
final class Http1EchoHandler extends ChannelInboundHandlerAdapter {
    private static final int CHUNK = 16 * 1024;
    private static final int MAX_WS_FRAME = 1 << 20;
    private final EchoCore core;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean busy;
    private HttpRequest current;
    private long bodyLength;
    private boolean keepAlive;
    private long streamRemaining = -1;

    Http1EchoHandler(EchoCore core) {
        this.core = requireNonNull(core, "core");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (busy) {
            queued.addLast(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, msg);
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                if (req.decoderResult().isFailure()) {
                    badRequest(ctx, "echo: malformed HTTP/1.1 request: " + req.decoderResult().cause());
                    return;
                }
                if (isWebSocketUpgrade(req)) {
                    webSocket(ctx, req);
                    return;
                }
                current = req;
                bodyLength = 0;
                keepAlive = HttpUtil.isKeepAlive(req);
            }
            if (msg instanceof HttpContent content) {
                if (content.decoderResult().isFailure()) {
                    badRequest(ctx, "echo: malformed HTTP/1.1 body: " + content.decoderResult().cause());
                    return;
                }
                bodyLength += content.content().readableBytes();
                if (msg instanceof LastHttpContent && current != null) {
                    HttpRequest req = current;
                    current = null;
                    busy = true;
                    answer(ctx, req);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static boolean isWebSocketUpgrade(HttpRequest req) {
        return req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Accepts a WebSocket upgrade on any path: completes the handshake, hands the connection to
     * {@link WebSocketEchoHandler} and sends the hello (the JSON description of the upgrade request) first.
     */
    private void webSocket(ChannelHandlerContext ctx, HttpRequest req) {
        FullHttpRequest full = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER, req.headers().copy(), EmptyHttpHeaders.INSTANCE);
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                "ws://" + host + req.uri(), null, true, MAX_WS_FRAME).newHandshaker(full);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        byte[] hello = core.webSocketHello(request(ctx, req, 0));
        ctx.pipeline().replace(this, "echo-websocket", new WebSocketEchoHandler(handshaker));
        Channel ch = ctx.channel();
        handshaker.handshake(ch, full).addListener(f -> {
            if (f.isSuccess()) {
                ch.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(hello)));
            } else {
                ch.close();
            }
        });
    }

    private static EchoCore.Request request(ChannelHandlerContext ctx, HttpRequest req, long bodyLength) {
        Map<String, List<String>> headers = EchoCore.headerMap(req.headers(), name -> false);
        String host = req.headers().get(HttpHeaderNames.HOST, "");
        String proto = req.protocolVersion().equals(HttpVersion.HTTP_1_0) ? "HTTP/1.0" : "HTTP/1.1";
        return new EchoCore.Request(req.method().name(), req.uri(), host, proto, headers,
                bodyLength, String.valueOf(ctx.channel().remoteAddress()).replaceFirst("^/", ""));
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest req) {
        core.answer(ctx.executor(), request(ctx, req, bodyLength), r -> send(ctx, r));
    }

    private void send(ChannelHandlerContext ctx, EchoCore.Response r) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (r.reset()) {
            // the retry simulation's connection error: no response, a TCP RST (SO_LINGER 0, then close)
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
            return;
        }
        HttpResponseStatus status = HttpResponseStatus.valueOf(r.status());
        if (r.streamBytes() >= 0) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            fill(head.headers(), r, r.streamBytes());
            ctx.write(head);
            streamRemaining = r.streamBytes();
            pump(ctx);
            return;
        }
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(r.body()));
        fill(full.headers(), r, r.body().length);
        ctx.writeAndFlush(full).addListener(f -> done(ctx, f.isSuccess()));
    }

    private void fill(HttpHeaders h, EchoCore.Response r, long length) {
        h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        r.headers().forEach(h::add);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    private void pump(ChannelHandlerContext ctx) {
        while (streamRemaining > 0 && ctx.channel().isWritable()) {
            int n = (int) Math.min(CHUNK, streamRemaining);
            ByteBuf buf = ctx.alloc().buffer(n);
            buf.writeZero(n);
            streamRemaining -= n;
            ctx.write(new DefaultHttpContent(buf));
        }
        if (streamRemaining == 0) {
            streamRemaining = -1;
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> done(ctx, f.isSuccess()));
        } else {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streamRemaining > 0 && ctx.channel().isWritable()) {
            pump(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void done(ChannelHandlerContext ctx, boolean ok) {
        busy = false;
        if (!ok || !keepAlive) {
            ctx.close();
            return;
        }
        while (!busy && !queued.isEmpty()) {
            handle(ctx, queued.removeFirst());
        }
        if (!busy) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void badRequest(ChannelHandlerContext ctx, String message) {
        current = null;
        busy = true;
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        streamRemaining = -1;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
