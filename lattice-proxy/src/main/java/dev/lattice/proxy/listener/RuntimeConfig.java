package dev.lattice.proxy.listener;

import static java.util.Objects.requireNonNull;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.config.RouteConfig;
import dev.lattice.proxy.config.RouteMatch;
import dev.lattice.proxy.config.VirtualHostConfig;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.headers.HeaderModifierFilter;
import dev.lattice.proxy.filter.mirror.MirrorFilter;
import dev.lattice.proxy.filter.redirect.RedirectFilter;
import dev.lattice.proxy.filter.rewrite.UrlRewriteFilter;
import dev.lattice.proxy.filter.session.SessionFilter;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.router.CompiledRoute;
import dev.lattice.proxy.router.Spread;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ProxyConfig} compiled for the data path. Built off the event loops; immutable once built.
 * Clusters whose config did not change keep their runtime (and so their per-loop balancer state and pools).
 */
public final class RuntimeConfig {
    final ProxyConfig config;
    public final long generation;
    final Map<String, ClusterRuntime> clusters;

    final Map<String, CompiledListener> listenersByBindKey;
    /** The proxy's mesh identity (mesh mTLS chains and endpoints take their TLS contexts from it), or null. */
    final dev.lattice.proxy.tls.MeshIdentity identity;

    private RuntimeConfig(ProxyConfig config, long generation, Map<String, ClusterRuntime> clusters,
            Map<String, ListenerConfig> listeners, ProxyMetrics metrics, dev.lattice.proxy.tls.MeshIdentity identity) {
        this.config = config;
        this.generation = generation;
        this.clusters = clusters;
        this.identity = identity;
        Map<String, CompiledListener> byKey = new LinkedHashMap<>();
        for (ListenerConfig l : listeners.values()) {
            byKey.put(l.bindKey(), compileListener(l, metrics));
        }
        this.listenersByBindKey = byKey;
    }

    public ProxyConfig config() {
        return config;
    }

    public long generation() {
        return generation;
    }

    /** Compiles {@code config}, reusing the cluster runtimes of {@code previous} whose config is unchanged. */
    public static RuntimeConfig compile(ProxyConfig config, RuntimeConfig previous, ProxyMetrics metrics) {
        return compile(config, previous, metrics, null);
    }

    /**
     * Compiles {@code config} for a proxy with a mesh identity ({@code identity} null: none; a mesh mTLS chain then
     * refuses every connection and a mesh endpoint cannot be reached, as there is no certificate to use).
     */
    public static RuntimeConfig compile(ProxyConfig config, RuntimeConfig previous, ProxyMetrics metrics,
            dev.lattice.proxy.tls.MeshIdentity identity) {
        requireNonNull(config, "config");
        requireNonNull(metrics, "metrics");
        Map<String, ClusterRuntime> clusters = new HashMap<>();
        for (ClusterConfig c : config.clusters().values()) {
            ClusterRuntime old = previous == null ? null : previous.clusters.get(c.name());
            clusters.put(c.name(), old != null && old.config.equals(c) ? old
                    : new ClusterRuntime(c, metrics.upstreamConnectionsOpened(c.name()), metrics.upstreamConnectFailures(c.name()),
                            identity));
        }
        Map<String, ListenerConfig> listeners = new LinkedHashMap<>();
        for (ListenerConfig l : config.listeners()) {
            if (listeners.putIfAbsent(l.bindKey(), l) != null) {
                throw new IllegalArgumentException("listener " + l.name() + ": address " + l.bindKey()
                        + " is used by listener " + listeners.get(l.bindKey()).name() + " too");
            }
        }
        return new RuntimeConfig(config, previous == null ? 1 : previous.generation + 1, clusters, listeners, metrics, identity);
    }

    public CompiledListener listener(String bindKey) {
        return listenersByBindKey.get(bindKey);
    }

    /**
     * A listener: its one plain HTTP chain compiled directly, or (TLS, SNI, passthrough or several chains) a
     * listener-level table whose {@link CompiledListener#chains} the connection chooses from.
     */
    private CompiledListener compileListener(ListenerConfig l, ProxyMetrics metrics) {
        List<dev.lattice.proxy.config.FilterChainConfig> chains = l.effectiveChains();
        if (l.filterChains().isEmpty()) {
            return compileHttpChain(l, metrics);
        }
        CompiledChain[] compiled = new CompiledChain[chains.size()];
        for (int i = 0; i < compiled.length; i++) {
            compiled[i] = ListenerChainsCompiler.compile(l, chains.get(i), this,
                    view -> compileHttpChain(view, metrics), metrics);
        }
        // one plain HTTP chain serves every connection directly, unless it limits connections: the limit is counted
        // where a connection's chain is chosen (SniChainSelectorHandler)
        CompiledListener top = compiled.length == 1 && compiled[0].http() != null && !compiled[0].tls()
                && !l.tlsInspector() && compiled[0].config().connectionLimit() == null
                ? compiled[0].http() : compileHttpChain(l, metrics);
        top.chains = top == compiled[0].http() ? null : compiled;
        if (top.chains != null) {
            List<CompiledChain> all = java.util.Arrays.asList(compiled);
            top.chainSelector = new FilterChainSelector<>(all.stream()
                    .filter(c -> !c.config().transportProtocol().equals(dev.lattice.proxy.config.FilterChainConfig.RAW_BUFFER))
                    .toList(), CompiledChain::serverNames);
            top.plainChainSelector = new FilterChainSelector<>(all.stream()
                    .filter(c -> !c.config().transportProtocol().equals(dev.lattice.proxy.config.FilterChainConfig.TLS))
                    .toList(), CompiledChain::serverNames);
        }
        return top;
    }

    private CompiledListener compileHttpChain(ListenerConfig l, ProxyMetrics metrics) {
        Map<String, CompiledListener.Vhost> exact = new HashMap<>();
        List<CompiledListener.Wildcard> suffixes = new ArrayList<>();
        List<CompiledListener.Wildcard> prefixes = new ArrayList<>();
        CompiledListener.Vhost star = null;
        for (VirtualHostConfig vh : l.virtualHosts()) {
            CompiledListener.Vhost v = new CompiledListener.Vhost(vh.name(), compileRoutes(l, vh, metrics));
            for (String d : vh.domains()) {
                if (d.equals("*")) {
                    if (star == null) {
                        star = v;
                    }
                } else if (d.startsWith("*")) {
                    suffixes.add(new CompiledListener.Wildcard(d.substring(1), v));
                } else if (d.endsWith("*")) {
                    prefixes.add(new CompiledListener.Wildcard(d.substring(0, d.length() - 1), v));
                } else {
                    exact.putIfAbsent(d, v);
                }
            }
        }
        return new CompiledListener(l, this, exact, suffixes, prefixes, star, metrics.requestCounters(l.name(), ""));
    }

    /** The cluster named {@code name} in this config, or null when CDS does not define it. */
    public ClusterRuntime cluster(String name) {
        return clusters.get(name);
    }

    /** A weighted cluster's rewrite merged with the route's (its path and host replace the route's). */
    private static RouteAction.Rewrite targetRewrite(RouteAction.Rewrite route, RouteAction.Rewrite own) {
        if (own.isNone()) {
            return route;
        }
        boolean ownPath = own.prefix() != null || own.regex() != null;
        return new RouteAction.Rewrite(ownPath ? own.prefix() : route.prefix(),
                ownPath ? own.regex() : route.regex(), ownPath ? own.substitution() : route.substitution(),
                own.host() != null ? own.host() : route.host());
    }

    /** The non-null filters, in order, or null when there are none. */
    private static HttpFilter[] filters(HttpFilter... fs) {
        HttpFilter[] out = java.util.Arrays.stream(fs).filter(java.util.Objects::nonNull).toArray(HttpFilter[]::new);
        return out.length == 0 ? null : out;
    }

    /**
     * A route's filters, in the order they act (docs/xds.md, "Route filters"): on the route, its redirect and session
     * persistence (CORS is a registry filter with a per-route policy); on each backend, its redirect when picked, then
     * on the way upstream the route's and the backend's header modifiers, the route's mirrors and the URL rewrite.
     */
    private CompiledRoute compileForward(ListenerConfig l, RouteConfig r, RouteAction.Forward f, CompiledRoute.Matcher[] headers,
            CompiledRoute.Matcher[] queries, ProxyMetrics metrics) {
        PathMatch.Kind kind = r.match().path().kind();
        String value = r.match().path().value();
        CompiledRoute.Target[] targets = new CompiledRoute.Target[f.clusters().size()];
        String[][] endpointKeys = new String[targets.length][];
        HttpFilter routeHeaders = HeaderModifierFilter.of(r.requestHeaders(), r.responseHeaders());
        Spread spread = new Spread();
        HttpFilter mirror = MirrorFilter.of(f.mirrors(), spread);
        int total = 0;
        for (int t = 0; t < targets.length; t++) {
            RouteAction.WeightedCluster wc = f.clusters().get(t);
            ClusterRuntime c = clusters.get(wc.name());
            targets[t] = new CompiledRoute.Target(wc.name(), wc.weight(), c, metrics.requestCounters(l.name(), wc.name()),
                    filters(wc.redirect() == null ? null : new RedirectFilter(wc.redirect(), kind, value)),
                    filters(routeHeaders, HeaderModifierFilter.of(wc.requestHeaders(), wc.responseHeaders()), mirror,
                            UrlRewriteFilter.of(targetRewrite(f.rewrite(), wc.rewrite()), kind, value)));
            endpointKeys[t] = c == null || wc.weight() == 0 ? null : c.endpointKeys;
            total += wc.weight();
        }
        HttpFilter[] routeFilters = filters(f.session() == null ? null : new SessionFilter(f.session(), endpointKeys));
        return new CompiledRoute(r, headers, queries, targets, total, f.clusterNotFoundStatus(), f.timeout().toMillis(), 0,
                null, routeFilters, f.retry() == null ? null : new CompiledRoute.Retry(f.retry()), spread);
    }

    private CompiledRoute[] compileRoutes(ListenerConfig l, VirtualHostConfig vh, ProxyMetrics metrics) {
        CompiledRoute[] out = new CompiledRoute[vh.routes().size()];
        for (int i = 0; i < out.length; i++) {
            RouteConfig r = vh.routes().get(i);
            RouteMatch m = r.match();
            CompiledRoute.Matcher[] headers = m.headers().stream()
                    .map(h -> new CompiledRoute.Matcher(h.name(), h.match())).toArray(CompiledRoute.Matcher[]::new);
            CompiledRoute.Matcher[] queries = m.queryParameters().stream()
                    .map(q -> new CompiledRoute.Matcher(q.name(), q.match())).toArray(CompiledRoute.Matcher[]::new);
            out[i] = switch (r.action()) {
                case RouteAction.DirectResponse d -> new CompiledRoute(r, headers, queries, null, 0, 0, 0, d.status(), d.body());
                case RouteAction.Forward f -> compileForward(l, r, f, headers, queries, metrics);
                case RouteAction.Redirect rd -> new CompiledRoute(r, headers, queries, null, 0, 0, 0, rd.status(), "",
                        filters(new RedirectFilter(rd, m.path().kind(), m.path().value())), null, null);
            };
        }
        return out;
    }
}
