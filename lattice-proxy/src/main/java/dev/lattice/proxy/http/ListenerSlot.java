package dev.lattice.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;

/**
 * One bound listener address. The bound socket stays as long as some config has a listener on this address;
 * its route table is swapped in {@link #current} (a request pins the table it started with).
 */
public final class ListenerSlot {
    final String bindKey;
    final Class<? extends SocketChannel> upstreamChannelClass;
    final GaugeDataPoint activeConnections;
    volatile CompiledListener current;
    volatile Channel serverChannel;

    ListenerSlot(String bindKey, CompiledListener current, Class<? extends SocketChannel> upstreamChannelClass,
            GaugeDataPoint activeConnections) {
        this.bindKey = bindKey;
        this.current = current;
        this.upstreamChannelClass = upstreamChannelClass;
        this.activeConnections = activeConnections;
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
