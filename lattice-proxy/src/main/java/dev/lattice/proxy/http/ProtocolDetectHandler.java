package dev.lattice.proxy.http;

import dev.lattice.proxy.listener.ListenerSlot;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of every downstream connection: h2c with prior knowledge when the bytes start with the
 * HTTP/2 client preface, else HTTP/1.1. Replaces itself with the right pipeline.
 */
public final class ProtocolDetectHandler extends ByteToMessageDecoder {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final HttpDecoderConfig SERVER_DECODER = new HttpDecoderConfig()
            .setMaxInitialLineLength(8192)
            .setMaxHeaderSize(32768)
            .setMaxChunkSize(65536);

    private final ListenerSlot slot;
    private ClientTimeouts timeouts;

    public ProtocolDetectHandler(ListenerSlot slot) {
        this.slot = slot;
    }

    /** The connection's head and idle timers go in front of this handler: they run from now on. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeouts = new ClientTimeouts(slot.current.clientTraffic);
        ctx.pipeline().addBefore(ctx.name(), "timeouts", timeouts);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                http1(ctx.pipeline());
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == PREFACE.length) {
            h2(ctx.pipeline());
            ctx.pipeline().remove(this);
        }
    }

    private void http1(ChannelPipeline p) {
        slot.countConnection(false);
        TelemetryHandler telemetry = new TelemetryHandler();
        p.addLast("http", new ServerCodec(SERVER_DECODER));
        p.addLast("timeouts-h1", timeouts.http1());
        p.addLast("telemetry", telemetry);
        p.addLast("proxy", new DownstreamHandler(slot, false, telemetry));
    }

    private void h2(ChannelPipeline p) {
        slot.countConnection(true);
        ListenerSlot s = slot;
        ClientTimeouts t = timeouts;
        t.h2();
        io.netty.channel.ChannelFutureListener streamClosed = f -> t.streamClosed();
        p.addLast("flush", new io.netty.handler.flush.FlushConsolidationHandler(64, true));
        p.addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(slot.current.clientTraffic.maxConcurrentStreams()).initialWindowSize(1 << 20))
                .build());
        p.addLast("mux", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                t.streamOpened();
                ch.closeFuture().addListener(streamClosed);
                TelemetryHandler telemetry = new TelemetryHandler();
                ch.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(true, false));
                ch.pipeline().addLast("telemetry", telemetry);
                ch.pipeline().addLast("proxy", new DownstreamHandler(s, true, telemetry));
            }
        }));
    }
}
