package dev.lattice.proxy.listener;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;

/**
 * One bound listener address. The bound socket stays as long as some config has a listener on this address;
 * its route table is swapped in {@link #current} (a request pins the table it started with).
 */
public final class ListenerSlot {
    final String bindKey;
    public final Class<? extends SocketChannel> upstreamChannelClass;
    final GaugeDataPoint activeConnections;
    /** HTTP/1.1 ([0]) and h2 ([1]) connections accepted (null: not counted). */
    final io.prometheus.metrics.core.datapoints.CounterDataPoint[] protocolConnections;

    /** Counts one accepted connection that speaks HTTP/1.1 or ({@code h2}) HTTP/2. */
    public void countConnection(boolean h2) {
        if (protocolConnections != null) protocolConnections[h2 ? 1 : 0].inc();
    }
    public volatile CompiledListener current;
    volatile Channel serverChannel;

    public ListenerSlot(String bindKey, CompiledListener current, Class<? extends SocketChannel> upstreamChannelClass,
            GaugeDataPoint activeConnections) {
        this(bindKey, current, upstreamChannelClass, activeConnections, null);
    }

    ListenerSlot(String bindKey, CompiledListener current, Class<? extends SocketChannel> upstreamChannelClass,
            GaugeDataPoint activeConnections, io.prometheus.metrics.core.datapoints.CounterDataPoint[] protocolConnections) {
        this(bindKey, current, upstreamChannelClass, activeConnections, protocolConnections, null);
    }

    ListenerSlot(String bindKey, CompiledListener current, Class<? extends SocketChannel> upstreamChannelClass,
            GaugeDataPoint activeConnections, io.prometheus.metrics.core.datapoints.CounterDataPoint[] protocolConnections,
            dev.lattice.proxy.metrics.ProxyMetrics metrics) {
        this.metrics = metrics;
        this.protocolConnections = protocolConnections;
        this.bindKey = bindKey;
        this.current = current;
        this.upstreamChannelClass = upstreamChannelClass;
        this.activeConnections = activeConnections;
    }

    /** Where refused connections are counted (null: not counted). */
    private final dev.lattice.proxy.metrics.ProxyMetrics metrics;

    /**
     * Open connections per connection_limit stat_prefix, for the life of the bound socket: a config push neither
     * forgets the connections already open nor lets a new limit start from zero (chains that share a stat_prefix, as
     * a PERMISSIVE inbound listener's mTLS and plaintext chains do, share one count).
     */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> limited =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Counts {@code ch} against {@code limit} (null: no limit) until it closes; false, counted in
     * {@code lattice_downstream_cx_overflow_total}, when {@code limit.maxConnections()} are already open: the caller
     * closes it.
     */
    boolean admit(Channel ch, dev.lattice.proxy.config.ConnectionLimit limit) {
        if (limit == null) return true;
        java.util.concurrent.atomic.AtomicInteger open =
                limited.computeIfAbsent(limit.statPrefix(), k -> new java.util.concurrent.atomic.AtomicInteger());
        if (open.incrementAndGet() > limit.maxConnections()) {
            open.decrementAndGet();
            if (metrics != null) metrics.downstreamOverflow(listenerName(), limit.statPrefix()).inc();
            return false;
        }
        ch.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    /** The slots of this listener's HTTP filter chains, by chain name: what a connection pins once its chain is chosen. */
    private final java.util.concurrent.ConcurrentHashMap<String, ListenerSlot> chainSlots =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The slot of {@code chain} (an HTTP chain of {@link #current}): its route table follows config updates. */
    ListenerSlot chainSlot(CompiledChain chain) {
        ListenerSlot s = chainSlots.computeIfAbsent(chain.name(),
                k -> new ListenerSlot(bindKey + "#" + k, chain.http(), upstreamChannelClass, activeConnections,
                        protocolConnections));
        CompiledListener c = s.current;
        if (c != chain.http() && c.runtime.generation < chain.http().runtime.generation) {
            s.current = chain.http();
        }
        return s;
    }

    /**
     * A new table for this address: chains that still exist (by name) get their new route table; the slots of vanished
     * ones are dropped, while their connections keep the table they had.
     */
    void update(CompiledListener next) {
        current = next;
        for (var it = chainSlots.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            CompiledChain match = null;
            if (next.chains != null) {
                for (CompiledChain c : next.chains) {
                    if (c.name().equals(e.getKey()) && c.http() != null) {
                        match = c;
                    }
                }
            }
            if (match == null) {
                it.remove();
            } else {
                e.getValue().current = match.http();
            }
        }
    }

    public String bindKey() {
        return bindKey;
    }

    public String listenerName() {
        return current.config.name();
    }

    /** The port actually bound (differs from the configured one when that is 0). */
    public int boundPort() {
        Channel ch = serverChannel;
        return ch == null ? -1 : ((java.net.InetSocketAddress) ch.localAddress()).getPort();
    }
}
