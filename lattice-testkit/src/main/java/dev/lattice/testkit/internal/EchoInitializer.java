package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;

/** One connection: HTTP/1.1, or h2c by prior knowledge or by the HTTP/1.1 Upgrade. */
public final class EchoInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_UPGRADE_BODY = 64 * 1024;
    private final EchoCore core;

    public EchoInitializer(EchoCore core) {
        this.core = requireNonNull(core, "core");
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpServerCodec codec = new HttpServerCodec();
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(), multiplex())
                        : null, MAX_UPGRADE_BODY);
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), multiplex());
            }
        };
        ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, priorKnowledge));
        ch.pipeline().addLast(new Http1EchoHandler(core));
    }

    private Http2MultiplexHandler multiplex() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2EchoStreamHandler(core));
            }
        });
    }
}
