package dev.lattice.testkit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.testkit.internal.EchoCore;
import dev.lattice.testkit.internal.EchoInitializer;
import dev.lattice.testkit.internal.GrpcEchoService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The echo backend: HTTP/1.1 and h2c (prior knowledge, or the HTTP/1.1 Upgrade) on one port.
 *
 * <p>An HTTP/1.1 {@code Upgrade: websocket} request to any path is accepted: the first message is a JSON
 * hello describing the upgrade request, then every text and binary message is echoed back. With a
 * {@code grpcPort} the gRPC echo {@link EchoGrpc} listens beside it.
 *
 * <p>Answers every request with 200 and a JSON object
 * {@code {name, namespace, method, path, host, proto, headers, bodyLength, remote}}; see the
 * package documentation for {@code ?delay=}, {@code /status/NNN}, {@code /bytes/N},
 * {@code X-Echo-Set-Header} and {@code GET /.echo/requests}.
 */
public final class EchoServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final EchoCore core;
    private final InetSocketAddress address;
    private final Server grpc;

    private EchoServer(EventLoopGroup group, Channel channel, EchoCore core, Server grpc) {
        this.group = group;
        this.channel = channel;
        this.core = core;
        this.address = (InetSocketAddress) channel.localAddress();
        this.grpc = grpc;
    }

    /** Starts an echo server on 127.0.0.1:{@code port} (0 picks a free port) with up to 2 event loops. */
    public static EchoServer start(int port, String name, String namespace) {
        return start("127.0.0.1", port, name, namespace, Math.min(2, Runtime.getRuntime().availableProcessors()));
    }

    /** Starts an echo server on {@code host:port} (0 picks a free port) with {@code threads} event loops. */
    public static EchoServer start(String host, int port, String name, String namespace, int threads) {
        return start(host, port, -1, name, namespace, threads);
    }

    /**
     * Starts an echo server on {@code host:port} and, unless {@code grpcPort} is negative, the gRPC echo
     * ({@link EchoGrpc}, h2c) on {@code host:grpcPort} beside it (0 picks a free port; see {@link #grpcPort()}).
     */
    public static EchoServer start(String host, int port, int grpcPort, String name, String namespace, int threads) {
        requireNonNull(host, "host");
        requireNonNull(name, "name");
        requireNonNull(namespace, "namespace");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("echo: port must be 0..65535, got " + port);
        }
        if (grpcPort < -1 || grpcPort > 65535) {
            throw new IllegalArgumentException("echo: grpcPort must be -1 (none) or 0..65535, got " + grpcPort);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("echo: threads must be >= 1, got " + threads);
        }
        EchoCore core = new EchoCore(name, namespace);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new EchoInitializer(core))
                    .bind(host, port)
                    .syncUninterruptibly()
                    .channel();
            Server grpc = null;
            if (grpcPort >= 0) {
                try {
                    grpc = NettyServerBuilder.forAddress(new InetSocketAddress(host, grpcPort))
                            .addService(GrpcEchoService.definition(name, namespace))
                            .directExecutor()
                            .build()
                            .start();
                } catch (IOException | RuntimeException e) {
                    ch.close().syncUninterruptibly();
                    throw new IllegalStateException("gRPC on " + host + ":" + grpcPort + ": " + e.getMessage(), e);
                }
            }
            return new EchoServer(group, ch, core, grpc);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("echo " + namespace + "/" + name + ": cannot listen on "
                    + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The port of the gRPC echo, or -1 when it was not started. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.getPort();
    }

    /** The port it listens on. */
    public int port() {
        return address.getPort();
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return address;
    }

    public String name() {
        return core.name();
    }

    public String namespace() {
        return core.namespace();
    }

    /** The requests seen so far (the same JSON objects it answered with), oldest first, at most the last 1000. */
    public List<JsonNode> requests() {
        return core.requests();
    }

    /** Blocks until the server channel is closed. */
    public void awaitClose() throws InterruptedException {
        channel.closeFuture().await();
    }

    @Override
    public void close() {
        if (grpc != null) {
            grpc.shutdownNow();
            try {
                grpc.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "EchoServer[" + core.namespace() + "/" + core.name() + " on " + address + "]";
    }
}
