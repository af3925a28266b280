package dev.lattice.proxy.admin;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The proxy's admin endpoint on 127.0.0.1: {@code /ready}, {@code /config_dump}, {@code /stats/prometheus}.
 * Runs on its own single event loop so that a busy data path does not starve it.
 */
public final class AdminServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    /** What the admin endpoint serves. */
    public record Sources(BooleanSupplier ready, Supplier<String> configDumpJson, Supplier<String> prometheusText,
            String prometheusContentType) {
        public Sources {
            requireNonNull(ready, "ready");
            requireNonNull(configDumpJson, "configDumpJson");
            requireNonNull(prometheusText, "prometheusText");
            requireNonNull(prometheusContentType, "prometheusContentType");
        }
    }

    public AdminServer(int port, Sources sources) {
        requireNonNull(sources, "sources");
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("lattice-proxy-admin", true),
                NioIoHandler.newFactory());
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                    new AdminHandler(sources));
                        }
                    })
                    .bind("127.0.0.1", port)
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) {
            // syncUninterruptibly rethrows a BindException as it is
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("admin: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Sources sources;

        AdminHandler(Sources sources) {
            this.sources = sources;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            FullHttpResponse resp;
            try {
                resp = switch (path) {
                    case "/ready" -> sources.ready().getAsBoolean()
                            ? text(HttpResponseStatus.OK, "ready\n", "text/plain; charset=utf-8")
                            : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", "text/plain; charset=utf-8");
                    case "/config_dump" -> text(HttpResponseStatus.OK, sources.configDumpJson().get(), "application/json");
                    case "/stats/prometheus", "/metrics" -> text(HttpResponseStatus.OK, sources.prometheusText().get(),
                            sources.prometheusContentType());
                    case "/" -> text(HttpResponseStatus.OK, "/ready\n/config_dump\n/stats/prometheus\n", "text/plain; charset=utf-8");
                    default -> text(HttpResponseStatus.NOT_FOUND, "not found: " + path
                            + " (try /ready, /config_dump, /stats/prometheus)\n", "text/plain; charset=utf-8");
                };
            } catch (RuntimeException e) {
                resp = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "admin " + path + ": " + e + "\n",
                        "text/plain; charset=utf-8");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
