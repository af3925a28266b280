package dev.lattice.proxy.listener;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.config.FilterChainConfig;
import dev.lattice.proxy.config.HttpChainConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.TcpProxyConfig;
import dev.lattice.proxy.config.TlsConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.tls.ServerTlsContexts;
import io.netty.handler.ssl.SslContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Compiles one filter chain of a listener (off the event loops). TLS contexts are reused while their config is. */
final class ListenerChainsCompiler {
    /** Per TLS config and chain kind (a TLS-terminating tcp_proxy chain may get another provider, see ServerTlsContexts). */
    private record SslKey(TlsConfig tls, boolean tcpRelay) {}

    private static final Map<SslKey, SslContext> SSL_CACHE = new ConcurrentHashMap<>();

    private ListenerChainsCompiler() {}

    /** The chain's runtime HTTP filters, or null when it has none (then a request pays nothing for them). */
    static dev.lattice.proxy.filter.HttpFilter[] compileFilters(String listener,
            java.util.List<dev.lattice.proxy.config.HttpFilterConfig> configs, ProxyMetrics metrics) {
        if (configs.isEmpty()) return null;
        dev.lattice.proxy.filter.HttpFilter[] out = new dev.lattice.proxy.filter.HttpFilter[configs.size()];
        for (int i = 0; i < out.length; i++) {
            dev.lattice.proxy.config.HttpFilterConfig c = configs.get(i);
            out[i] = dev.lattice.proxy.filter.HttpFilterRegistry.get(c.typedConfig().getTypeUrl())
                    .compile(listener, c.name(), c.parsed(), metrics);
        }
        return out;
    }

    static CompiledChain compile(ListenerConfig l, FilterChainConfig chain, RuntimeConfig runtime,
            Function<ListenerConfig, CompiledListener> httpCompiler, ProxyMetrics metrics) {
        SslContext ssl = chain.tls() == null ? null : sslContext(l, chain);
        if (chain.http() != null) {
            HttpChainConfig h = chain.http();
            ListenerConfig view = new ListenerConfig(l.name(), l.address(), l.port(), l.role(), h.statPrefix(),
                    h.stripAnyHostPort(), h.routeConfigName(), h.virtualHosts());
            CompiledListener http = httpCompiler.apply(view);
            http.tls = chain.terminatesTls();
            http.websocket = h.websocket();
            http.clientTraffic = h.clientTraffic();
            http.httpFilters = compileFilters(l.name(), h.httpFilters(), metrics);
            http.httpFilterNames = h.httpFilters().isEmpty() ? null
                    : h.httpFilters().stream().map(dev.lattice.proxy.config.HttpFilterConfig::name).toArray(String[]::new);
            return new CompiledChain(chain, ssl, runtime.identity, http, null);
        }
        TcpProxyConfig t = chain.tcpProxy();
        int n = t.clusters().size();
        String[] names = new String[n];
        ClusterRuntime[] clusters = new ClusterRuntime[n];
        int[] weights = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            TcpProxyConfig.WeightedCluster wc = t.clusters().get(i);
            names[i] = wc.name();
            clusters[i] = runtime.clusters.get(wc.name());
            weights[i] = wc.weight();
            total += wc.weight();
        }
        return new CompiledChain(chain, ssl, runtime.identity, null, new CompiledChain.TcpTargets(names, clusters, weights, total, runtime.generation));
    }

    private static SslContext sslContext(ListenerConfig l, FilterChainConfig chain) {
        SslKey key = new SslKey(chain.tls(), chain.tcpProxy() != null);
        SslContext cached = SSL_CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        SslContext ctx;
        try {
            ctx = ServerTlsContexts.build(chain.tls(), key.tcpRelay());
        } catch (IllegalArgumentException e) {
            // the xDS parser has built it once already, so this is not expected
            throw new IllegalArgumentException("listener " + l.name() + ": filter chain " + chain.name() + ": "
                    + e.getMessage(), e);
        }
        if (SSL_CACHE.size() > 256) {
            SSL_CACHE.clear();
        }
        SSL_CACHE.put(key, ctx);
        return ctx;
    }
}
