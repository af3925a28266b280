package dev.lattice.proxy.listener;

import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.router.CompiledRoute;
import dev.lattice.proxy.router.QueryParams;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener's route table compiled for the request path: virtual host selection as Envoy does it
 * (exact, then the longest suffix wildcard, then the longest prefix wildcard, then {@code *}), routes in order.
 */
public final class CompiledListener {
    final ListenerConfig config;
    public final RuntimeConfig runtime;
    final boolean stripAnyHostPort;
    public final ProxyMetrics.RequestCounters localCounters;
    private final Map<String, Vhost> exact;
    private final Wildcard[] suffixes; // "*.example.com" stored as ".example.com", longest first
    private final Wildcard[] prefixes; // "foo.*" stored as "foo.", longest first
    private final Vhost star;
    // listener level (set once by RuntimeConfig before the instance is published)
    /** This chain terminates TLS: a Host that matches no virtual host is answered 421, not 404. */
    public boolean tls;
    public static final io.netty.util.AsciiString HTTPS = io.netty.util.AsciiString.cached("https");
    public static final byte[] BODY_421 = "misdirected request: this host is not served with this certificate\n"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    /** The HCM's HTTP filters before the router, in order; null when it has none. */
    public dev.lattice.proxy.filter.HttpFilter[] httpFilters;
    /** The names of {@link #httpFilters}, index for index (a route's per-filter configs are keyed by them). */
    public String[] httpFilterNames;
    /** The HCM passes HTTP/1.1 WebSocket upgrades (upgrade_configs websocket). */
    public boolean websocket;
    /** The chain's client timeouts and HTTP/2 stream limit (the defaults for a plain listener). */
    public dev.lattice.proxy.config.ClientTraffic clientTraffic = dev.lattice.proxy.config.ClientTraffic.DEFAULTS;
    /** The listener's filter chains, chosen per connection by SNI; null: this table serves every connection. */
    CompiledChain[] chains;
    /** Chains for a connection whose first bytes are a TLS ClientHello (transport_protocol tls or any). */
    FilterChainSelector<CompiledChain> chainSelector;
    /** Chains for a connection whose first bytes are not TLS (transport_protocol raw_buffer or any). */
    FilterChainSelector<CompiledChain> plainChainSelector;

    CompiledListener(ListenerConfig config, RuntimeConfig runtime, Map<String, Vhost> exact, List<Wildcard> suffixes,
            List<Wildcard> prefixes, Vhost star, ProxyMetrics.RequestCounters localCounters) {
        this.config = config;
        this.runtime = runtime;
        this.stripAnyHostPort = config.stripAnyHostPort();
        this.exact = new HashMap<>(exact);
        this.suffixes = suffixes.stream().sorted(Comparator.comparingInt((Wildcard w) -> w.part.length()).reversed())
                .toArray(Wildcard[]::new);
        this.prefixes = prefixes.stream().sorted(Comparator.comparingInt((Wildcard w) -> w.part.length()).reversed())
                .toArray(Wildcard[]::new);
        this.star = star;
        this.localCounters = localCounters;
    }

    record Wildcard(String part, Vhost vhost) {}

    /** A compiled virtual host. */
    public record Vhost(String name, CompiledRoute[] routes) {}

    /** The virtual host for {@code host} (already lower-cased and port-stripped as configured), or null. */
    public Vhost selectVhost(String host) {
        Vhost v = exact.get(host);
        if (v != null) {
            return v;
        }
        for (Wildcard w : suffixes) {
            // "*.foo.com" needs at least one character before ".foo.com"; "*-bar.com" likewise
            if (host.length() > w.part.length() && host.endsWith(w.part)) {
                return w.vhost;
            }
        }
        for (Wildcard w : prefixes) {
            if (host.length() > w.part.length() && host.startsWith(w.part)) {
                return w.vhost;
            }
        }
        return star;
    }

    /** Normalises a Host header for vhost selection: lower-cased, its port removed when strip_any_host_port. */
    public String normaliseHost(String host) {
        if (host == null) {
            return "";
        }
        String h = toLowerAscii(host);
        if (stripAnyHostPort) {
            h = stripPort(h);
        }
        return h;
    }

    public static String stripPort(String h) {
        return dev.lattice.proxy.filter.Authority.stripPort(h);
    }

    static String toLowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] chars = s.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    char d = chars[j];
                    if (d >= 'A' && d <= 'Z') {
                        chars[j] = (char) (d + 32);
                    }
                }
                return new String(chars);
            }
        }
        return s;
    }

    /**
     * The first route of {@code vhost} that matches, or null. {@code uri} is origin-form; the path ends at
     * {@code pathEnd} (the '?' or the end).
     */
    public static CompiledRoute match(Vhost vhost, String method, String uri, int pathEnd, String host, HttpHeaders headers) {
        Map<String, String> query = null;
        outer:
        for (CompiledRoute r : vhost.routes()) {
            if (!r.matchesPath(uri, pathEnd)) {
                continue;
            }
            for (CompiledRoute.Matcher m : r.headers) {
                CharSequence v = switch (m.name) {
                    case ":method" -> method;
                    case ":authority" -> host;
                    case ":path" -> uri;
                    case ":scheme" -> "http";
                    default -> headerValue(headers, m.name);
                };
                if (!m.matches(v)) {
                    continue outer;
                }
            }
            if (r.queries.length > 0) {
                if (query == null) {
                    query = QueryParams.parse(uri, pathEnd);
                }
                for (CompiledRoute.Matcher m : r.queries) {
                    if (!m.matches(query.get(m.name))) {
                        continue outer;
                    }
                }
            }
            return r;
        }
        return null;
    }

    private static CharSequence headerValue(HttpHeaders headers, String name) {
        List<String> all = headers.getAll(name);
        if (all.isEmpty()) {
            return null;
        }
        return all.size() == 1 ? all.get(0) : String.join(",", all);
    }
}
