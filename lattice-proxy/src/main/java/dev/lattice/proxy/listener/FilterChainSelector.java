package dev.lattice.proxy.listener;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Filter chain selection by SNI, as Envoy does it: the server name against each chain's {@code server_names}, an
 * exact name first, then the longest wildcard suffix ({@code *.example.com} matches any name ending in
 * {@code .example.com} with at least one character before it), else the chain without server names, else none
 * (null: the connection is closed). A connection without SNI (or not TLS at all) gets the default chain.
 */
final class FilterChainSelector<T> {
    private final Map<String, T> exact = new HashMap<>();
    private final List<Map.Entry<String, T>> suffixes = new ArrayList<>(); // ".example.com", longest first
    private final T defaultChain;

    FilterChainSelector(List<T> chains, Function<T, List<String>> serverNames) {
        T def = null;
        for (T c : chains) {
            List<String> names = serverNames.apply(c);
            if (names.isEmpty()) {
                if (def == null) {
                    def = c;
                }
                continue;
            }
            for (String n : names) {
                String name = n.toLowerCase(Locale.ROOT);
                if (name.startsWith("*.")) {
                    suffixes.add(Map.entry(name.substring(1), c));
                } else {
                    exact.putIfAbsent(name, c);
                }
            }
        }
        suffixes.sort(Comparator.comparingInt((Map.Entry<String, T> e) -> e.getKey().length()).reversed());
        this.defaultChain = def;
    }

    /** The chain for {@code sni} (null or empty: no SNI), or null when none matches and there is no default. */
    T select(String sni) {
        if (sni == null || sni.isEmpty()) {
            return defaultChain;
        }
        String host = sni.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        T c = exact.get(host);
        if (c != null) {
            return c;
        }
        for (Map.Entry<String, T> e : suffixes) {
            if (host.length() > e.getKey().length() && host.endsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return defaultChain;
    }
}
