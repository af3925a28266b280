package dev.lattice.proxy.listener;

import static java.util.Objects.requireNonNull;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.cluster.LoopState;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.http.ProtocolDetectHandler;
import dev.lattice.proxy.metrics.ProxyMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and the bound listeners. {@link #apply} swaps in a new {@link RuntimeConfig}: listeners on an
 * unchanged address keep their socket (and their connections) and only get the new route table; new addresses are
 * bound, vanished ones unbound. Call {@link #apply} from one thread at a time, never from an event loop.
 */
public final class DataPlane implements AutoCloseable {
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends SocketChannel> channelClass;
    private final ProxyMetrics metrics;
    private final Map<String, ListenerSlot> slots = new LinkedHashMap<>();
    private volatile RuntimeConfig current;

    public DataPlane(int threads, ProxyMetrics metrics) {
        this.metrics = requireNonNull(metrics, "metrics");
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        IoHandlerFactory io;
        if (Epoll.isAvailable()) {
            io = EpollIoHandler.newFactory();
            serverChannelClass = EpollServerSocketChannel.class;
            channelClass = EpollSocketChannel.class;
        } else {
            io = NioIoHandler.newFactory();
            serverChannelClass = NioServerSocketChannel.class;
            channelClass = NioSocketChannel.class;
        }
        this.group = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("lattice-proxy-loop", true), io);
    }

    /** The proxy's event loops (for clients that share them, such as the global rate limit's Redis connection). */
    public EventLoopGroup group() {
        return group;
    }

    public String transport() {
        return channelClass == EpollSocketChannel.class ? "epoll" : "nio";
    }

    public RuntimeConfig current() {
        return current;
    }

    /** Bind errors by listener name: a listener that could not be bound is left out and named here. */
    public synchronized Map<String, String> apply(RuntimeConfig next) {
        requireNonNull(next, "next");
        Map<String, String> errors = new LinkedHashMap<>();
        // unbind listeners whose address is gone first, so that a moved listener can take a freed port
        for (var it = slots.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (next.listener(e.getKey()) == null) {
                Channel ch = e.getValue().serverChannel;
                if (ch != null) {
                    ch.close().syncUninterruptibly();
                }
                it.remove();
            }
        }
        for (var e : next.listenersByBindKey.entrySet()) {
            ListenerSlot slot = slots.get(e.getKey());
            if (slot != null) {
                slot.update(e.getValue());
                continue;
            }
            ListenerConfig lc = e.getValue().config;
            ListenerSlot s = new ListenerSlot(e.getKey(), e.getValue(), channelClass, metrics.downstreamActive(lc.name()),
                    metrics.downstreamConnectionsByProtocol(lc.name()), metrics);
            try {
                s.serverChannel = bind(s, lc);
                slots.put(e.getKey(), s);
            } catch (Exception ex) {
                // syncUninterruptibly rethrows the bind failure as it is (a checked BindException included)
                errors.put(lc.name(), "address " + lc.address() + ":" + lc.port() + ": cannot bind: " + ex.getMessage());
            }
        }
        current = next;
        pruneUpstreamPools(next);
        return errors;
    }

    private void pruneUpstreamPools(RuntimeConfig next) {
        java.util.Set<InetSocketAddress> keep = new java.util.HashSet<>();
        for (ClusterRuntime c : next.clusters.values()) {
            keep.addAll(java.util.Arrays.asList(c.endpoints));
        }
        for (var executor : group) {
            executor.execute(() -> LoopState.prune(keep));
        }
    }

    private Channel bind(ListenerSlot slot, ListenerConfig lc) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(serverChannelClass)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        slot.activeConnections.inc();
                        ch.closeFuture().addListener(f -> slot.activeConnections.dec());
                        if (slot.current.chains != null) {
                            SniChainSelectorHandler.install(ch, slot);
                        } else {
                            ch.pipeline().addLast("detect", new ProtocolDetectHandler(slot));
                        }
                    }
                });
        return b.bind(new InetSocketAddress(lc.address(), lc.port())).syncUninterruptibly().channel();
    }

    /** The bound port of each listener, by listener name. */
    public synchronized Map<String, Integer> boundPorts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (ListenerSlot s : slots.values()) {
            out.put(s.listenerName(), s.boundPort());
        }
        return out;
    }

    public synchronized List<ListenerSlot> slots() {
        return new ArrayList<>(slots.values());
    }

    @Override
    public void close() {
        synchronized (this) {
            for (ListenerSlot s : new HashMap<>(slots).values()) {
                if (s.serverChannel != null) {
                    s.serverChannel.close().syncUninterruptibly();
                }
            }
            slots.clear();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
