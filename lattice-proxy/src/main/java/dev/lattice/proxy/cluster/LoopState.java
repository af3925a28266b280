package dev.lattice.proxy.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What one event loop owns, as Envoy's workers do: its load balancer state per cluster and its connection
 * pools per endpoint. Only ever touched from its own loop.
 */
public final class LoopState {
    private static final FastThreadLocal<LoopState> STATE = new FastThreadLocal<>();

    final EventLoop loop;
    /** This loop's upstream bootstrap (channel class, TCP_NODELAY, keep-alive); {@link UpstreamConnector} clones it. */
    final Bootstrap bootstrap;
    private final Map<ClusterRuntime, LbState> balancers = new HashMap<>();
    private final Map<PoolKey, EndpointPool> pools = new HashMap<>();
    private long generation;

    private LoopState(EventLoop loop, Class<? extends SocketChannel> channelClass) {
        this.loop = loop;
        this.bootstrap = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    public static LoopState get(EventLoop loop, Class<? extends SocketChannel> channelClass) {
        LoopState s = STATE.get();
        if (s == null || s.loop != loop) {
            s = new LoopState(loop, channelClass);
            STATE.set(s);
        }
        return s;
    }

    public LbState balancer(ClusterRuntime cluster, long configGeneration) {
        LbState lb = balancers.get(cluster);
        if (lb == null) {
            if (configGeneration > generation) {
                // a new config: forget the balancers of the old one (unchanged clusters keep their runtime,
                // least-request counts live in the pools, so nothing of value is lost)
                generation = configGeneration;
                balancers.clear();
            }
            EndpointPool[] eps = new EndpointPool[cluster.endpoints.length];
            for (int i = 0; i < eps.length; i++) {
                UpstreamTls t = cluster.endpointTls[i];
                // a mesh endpoint's pool is keyed by the cluster's mesh settings (its expected identities)
                boolean mesh = t != null && t.isMesh();
                Object tlsKey = mesh ? cluster.config.meshTls() : cluster.config.tls();
                // meshHttp2: a mesh endpoint's pool offers ALPN h2 and http/1.1 and lets each connection's ALPN decide
                boolean alpn = mesh && t.offersH2AndHttp1();
                eps[i] = pool(cluster.endpoints[i], cluster.h2, alpn, tlsKey, t);
            }
            lb = new LbState(cluster, eps);
            balancers.put(cluster, lb);
        }
        return lb;
    }

    /** Connections are shared by the clusters that reach one endpoint alike: same protocol, same TLS (or none). */
    private EndpointPool pool(InetSocketAddress address, boolean h2, boolean alpn, Object tlsConfig, UpstreamTls tls) {
        PoolKey key = new PoolKey(address, h2, alpn, tlsConfig);
        EndpointPool p = pools.get(key);
        if (p == null) {
            p = alpn ? EndpointPool.byAlpn(this, address, tls) : new EndpointPool(this, address, h2, tls);
            pools.put(key, p);
        }
        return p;
    }

    /**
     * After a config change (run on this loop): closes and forgets the pools of endpoints that no cluster of the new
     * config has and that carry no request.
     */
    public static void prune(java.util.Set<InetSocketAddress> keep) {
        LoopState s = STATE.get();
        if (s == null) {
            return;
        }
        for (Iterator<Map.Entry<PoolKey, EndpointPool>> it = s.pools.entrySet().iterator(); it.hasNext(); ) {
            EndpointPool p = it.next().getValue();
            if (p.active == 0 && !keep.contains(p.address)) {
                p.closeIdle();
                it.remove();
            }
        }
    }

    /** {@code tls}: the cluster's UpstreamTlsConfig, its MeshTls for a mesh endpoint, or null. */
    private record PoolKey(InetSocketAddress address, boolean h2, boolean alpn, Object tls) {}
}
