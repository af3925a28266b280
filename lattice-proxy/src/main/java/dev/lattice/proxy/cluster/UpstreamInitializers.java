package dev.lattice.proxy.cluster;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;

/** Pipelines of upstream connections and streams. */
final class UpstreamInitializers {
    private UpstreamInitializers() {}

    /** Upstream responses: the framing is still checked, but header values are not validated a second time. */
    static final HttpDecoderConfig CLIENT_DECODER = new HttpDecoderConfig()
            .setMaxInitialLineLength(8192)
            .setMaxHeaderSize(32768)
            .setMaxChunkSize(65536)
            .setHeadersFactory(io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false))
            .setTrailersFactory(io.netty.handler.codec.http.DefaultHttpHeadersFactory.trailersFactory().withValidation(false));

    /** A pooled HTTP/1.1 upstream connection. */
    static final ChannelHandler HTTP1 = new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast("codec", new HttpClientCodec(CLIENT_DECODER, false, false));
            ch.pipeline().addLast("upstream", new UpstreamHandler(false));
        }
    };

    /** An h2c (prior knowledge) upstream connection; requests are streams opened on it. */
    static final ChannelHandler H2_CONNECTION = new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
            // many streams' frames leave in one flush per read (fewer TLS records and write calls)
            ch.pipeline().addLast("flush", new io.netty.handler.flush.FlushConsolidationHandler(64, true));
            ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient()
                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1 << 20).pushEnabled(false))
                    .build());
            ch.pipeline().addLast("mux", new Http2MultiplexHandler(REJECT_PUSH));
            ch.pipeline().addLast("conn", new H2ConnectionHandler());
        }
    };

    /** One request's stream on an h2c upstream connection. */
    static final ChannelHandler H2_STREAM = new ChannelInitializer<Http2StreamChannel>() {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(false, false));
            ch.pipeline().addLast("upstream", new UpstreamHandler(true));
        }
    };

    private static final ChannelHandler REJECT_PUSH = new ChannelInitializer<Http2StreamChannel>() {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.close();
        }
    };

    /** Tracks an h2 upstream connection's end (close or GOAWAY) for its pool. */
    static final class H2ConnectionHandler extends ChannelInboundHandlerAdapter {
        EndpointPool pool;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame && pool != null) {
                pool.h2ConnectionGone(ctx.channel());
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (pool != null) {
                pool.h2ConnectionGone(ctx.channel());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
