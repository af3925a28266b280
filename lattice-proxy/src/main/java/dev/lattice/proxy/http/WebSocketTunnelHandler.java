package dev.lattice.proxy.http;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.cluster.UpstreamConnector;
import dev.lattice.proxy.cluster.UpstreamTls;
import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.tcp.RelayHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 WebSocket upgrade (HCM upgrade_configs websocket). The {@link DownstreamHandler} hands the request
 * over once routed; this handler takes its place, opens a fresh (never pooled) connection to an endpoint of the
 * cluster and sends the request with its Upgrade and Connection headers. On {@code 101} it passes the answer down,
 * removes the HTTP codecs on both sides and both channels become a {@link RelayHandler} byte relay until either
 * closes. Any other answer goes down as an ordinary response, and the connection closes after it.
 */
final class WebSocketTunnelHandler extends ChannelInboundHandlerAdapter {
    private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final byte[] BODY_CONNECT = "upstream connect error or disconnect/reset before headers\n"
            .getBytes(StandardCharsets.UTF_8);

    private final ClusterRuntime cluster;
    private final HttpRequest request;
    private final Class<? extends io.netty.channel.socket.SocketChannel> channelClass;
    private final TelemetryHandler telemetry;
    private final dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters;
    private ChannelHandlerContext ctx;
    private Channel upstream;
    private boolean upgraded;
    private boolean failed;
    /** The generation of the config the request was routed with (the balancer's). */
    private final long generation;

    private WebSocketTunnelHandler(ListenerSlot slot, ClusterRuntime cluster, long generation, HttpRequest request,
            TelemetryHandler telemetry, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters) {
        this.cluster = cluster;
        this.generation = generation;
        this.request = request;
        this.channelClass = slot.upstreamChannelClass;
        this.telemetry = telemetry;
        this.counters = counters;
    }

    /** An HTTP/1.1 request asking for a WebSocket upgrade. */
    static boolean isUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.UPGRADE, WEBSOCKET, true)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** Replaces {@code router} (the DownstreamHandler at {@code ctx}) with a tunnel for {@code request}. */
    static void handOff(ChannelHandlerContext ctx, ListenerSlot slot, ClusterRuntime cluster, long generation, HttpRequest request,
            TelemetryHandler telemetry, dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters, String clientIp) {
        HttpHeaders h = request.headers();
        String xff = h.get(X_FORWARDED_FOR);
        h.set(X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.pipeline().replace(ctx.handler(), ctx.name(),
                new WebSocketTunnelHandler(slot, cluster, generation, request, telemetry, counters));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        Channel down = ctx.channel();
        down.config().setAutoRead(false);
        UpstreamConnector.Tunnel tunnel = UpstreamConnector.connect(down, channelClass, cluster, generation, true, false, ch -> {
            ch.pipeline().addLast("codec", new HttpClientCodec());
            ch.pipeline().addLast("ws", new UpstreamSide());
        });
        UpstreamTls upTls = tunnel.tls;
        ChannelFuture f = tunnel.future;
        f.addListener(done -> {
            if (!done.isSuccess()) {
                cluster.connectFailures.inc();
                fail();
                return;
            }
            UpstreamTls.whenSecured(upTls, f.channel(), () -> upstreamConnected(down, f.channel()), cause -> {
                cluster.connectFailures.inc();
                fail();
            });
        });
    }

    /** The upstream connection is ready (TLS verified when the cluster has it): sends the upgrade request. */
    private void upstreamConnected(Channel down, Channel up) {
        cluster.connectionsOpened.inc();
        upstream = up;
        if (!down.isActive()) {
            upstream.close();
            return;
        }
        upstream.write(request);
        upstream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** Answers 503 and closes; once (a failed TLS handshake is followed by the upstream's close). */
    private void fail() {
        if (failed) {
            return;
        }
        failed = true;
        telemetry.exchange(counters);
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE,
                Unpooled.wrappedBuffer(BODY_CONNECT));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BODY_CONNECT.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // the upgrade request has no body; nothing else is read before the 101 (reading is off)
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel u = upstream;
        if (u != null) {
            u.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * The upstream answered 101: the client gets the 101, then both channels become a byte relay. The 101 is encoded
     * first and both HTTP encoders go before either codec is removed, because removing a codec hands on the bytes it
     * has read past the HTTP message (the server's first WebSocket frames often come in the same read as its 101): they
     * must reach the client after the 101 and as raw bytes.
     */
    private void upgrade(ChannelHandlerContext upCtx, HttpResponse res) {
        upgraded = true;
        Channel up = upCtx.channel();
        Channel down = ctx.channel();
        up.config().setAutoRead(false);
        telemetry.exchange(counters);
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS,
                Unpooled.EMPTY_BUFFER);
        r.headers().set(res.headers());
        ChannelFuture written = ctx.writeAndFlush(r);
        ChannelPipeline p = ctx.pipeline();
        ChannelPipeline upP = up.pipeline();
        if (p.get("http") instanceof io.netty.channel.CombinedChannelDuplexHandler<?, ?> downCodec) {
            downCodec.removeOutboundHandler();
        }
        if (upP.get("codec") instanceof io.netty.channel.CombinedChannelDuplexHandler<?, ?> upCodec) {
            upCodec.removeOutboundHandler();
        }
        if (p.get("telemetry") != null) {
            p.remove("telemetry");
        }
        p.replace(this, "relay", new RelayHandler(up));
        upP.replace(this.upstreamSide(upP), "relay", new RelayHandler(down));
        if (p.get("http") != null) {
            p.remove("http");
        }
        upP.remove("codec");
        written.addListener(done -> {
            if (!done.isSuccess()) {
                up.close();
                return;
            }
            up.config().setAutoRead(true);
            down.config().setAutoRead(true);
        });
    }

    private io.netty.channel.ChannelHandler upstreamSide(ChannelPipeline p) {
        return p.get("ws");
    }

    /** The upstream connection's handler until the answer is known. */
    private final class UpstreamSide extends ChannelInboundHandlerAdapter {
        private boolean ordinary;

        @Override
        public void channelRead(ChannelHandlerContext upCtx, Object msg) {
            if (!ordinary && msg instanceof HttpResponse res) {
                if (res.status().code() == 101) {
                    ReferenceCountUtil.release(msg);
                    upgrade(upCtx, res);
                    return;
                }
                ordinary = true;
                telemetry.exchange(counters);
                DefaultHttpResponse copy = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status(), res.headers());
                copy.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ReferenceCountUtil.release(msg);
                ctx.write(copy);
                if (!(msg instanceof HttpContent)) {
                    return;
                }
                msg = new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            }
            if (ordinary && msg instanceof HttpContent c) {
                boolean last = c instanceof LastHttpContent;
                ctx.write(c);
                if (last) {
                    ctx.flush();
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    upCtx.close();
                }
                return;
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext upCtx) {
            if (!upgraded) {
                ctx.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext upCtx) {
            if (!upgraded && !ordinary) {
                // the upstream went away before it answered: the client is told so (as Envoy's 503 "upstream reset")
                fail();
            } else if (!upgraded) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upCtx, Throwable cause) {
            upCtx.close();
        }
    }
}
