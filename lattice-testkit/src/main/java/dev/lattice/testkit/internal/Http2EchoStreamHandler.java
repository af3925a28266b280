package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Map;

/** HTTP/2 echo for one stream (a child channel of {@code Http2MultiplexHandler}). */
final class Http2EchoStreamHandler extends ChannelInboundHandlerAdapter {
    private static final int CHUNK = 16 * 1024;
    private final EchoCore core;
    private Http2Headers requestHeaders;
    private long bodyLength;
    private boolean answered;
    private long streamRemaining = -1;

    Http2EchoStreamHandler(EchoCore core) {
        this.core = requireNonNull(core, "core");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame hf) {
                if (requestHeaders == null) {
                    requestHeaders = hf.headers();
                }
                if (hf.isEndStream()) {
                    answer(ctx);
                }
            } else if (msg instanceof Http2DataFrame df) {
                bodyLength += df.content().readableBytes();
                if (df.isEndStream()) {
                    answer(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(ChannelHandlerContext ctx) {
        if (answered || requestHeaders == null) {
            return;
        }
        answered = true;
        Map<String, List<String>> headers = EchoCore.headerMap(requestHeaders,
                name -> name.startsWith(":") || name.startsWith("x-http2-"));
        String host = "";
        if (requestHeaders.authority() != null) {
            host = requestHeaders.authority().toString();
        } else if (headers.containsKey("host")) {
            host = headers.get("host").getFirst();
        }
        String method = String.valueOf(requestHeaders.method());
        String path = requestHeaders.path() == null ? "/" : requestHeaders.path().toString();
        String remote = String.valueOf(ctx.channel().parent().remoteAddress()).replaceFirst("^/", "");
        EchoCore.Request request = new EchoCore.Request(method, path, host, "HTTP/2.0", headers, bodyLength, remote);
        core.answer(ctx.executor(), request, r -> send(ctx, r));
    }

    private void send(ChannelHandlerContext ctx, EchoCore.Response r) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (r.reset()) {
            // the retry simulation's connection error, for one stream: RST_STREAM
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
            return;
        }
        Http2Headers h = new DefaultHttp2Headers();
        h.status(Integer.toString(r.status()));
        h.set("content-type", r.contentType());
        long length = r.streamBytes() >= 0 ? r.streamBytes() : r.body().length;
        h.setLong("content-length", length);
        r.headers().forEach((k, vs) -> vs.forEach(v -> h.add(k, v)));
        if (length == 0) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(h, true));
            return;
        }
        ctx.write(new DefaultHttp2HeadersFrame(h, false));
        if (r.streamBytes() >= 0) {
            streamRemaining = r.streamBytes();
            pump(ctx);
        } else {
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(r.body()), true));
        }
    }

    private void pump(ChannelHandlerContext ctx) {
        while (streamRemaining > 0 && ctx.channel().isWritable()) {
            int n = (int) Math.min(CHUNK, streamRemaining);
            ByteBuf buf = ctx.alloc().buffer(n);
            buf.writeZero(n);
            streamRemaining -= n;
            ctx.write(new DefaultHttp2DataFrame(buf, streamRemaining == 0));
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streamRemaining > 0 && ctx.channel().isWritable()) {
            pump(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
