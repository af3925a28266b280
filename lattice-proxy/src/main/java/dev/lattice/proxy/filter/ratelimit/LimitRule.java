package dev.lattice.proxy.filter.ratelimit;

import dev.lattice.api.filters.http.ratelimit.v1.Selector;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestAuth;
import dev.lattice.proxy.filter.RequestView;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * One local rule: its selectors (all must match) and its bucket; with a Distinct selector, one bucket per value (or
 * combination of values) from a bounded map ({@link Buckets.Distinct}).
 */
final class LimitRule {
    final String policyField; // RateLimit-Policy: "name";q=..;w=..
    final String nameField; // "name"
    private final List<Sel> selectors;
    private final boolean distinct;
    private final TokenBucket single;
    private final Buckets.Distinct perValue;
    private final Buckets.Counters counters;

    LimitRule(String policyField, String nameField, List<Sel> selectors, TokenBucket single, Buckets.Distinct perValue,
              Buckets.Counters counters) {
        this.policyField = policyField;
        this.nameField = nameField;
        this.selectors = List.copyOf(selectors);
        this.single = single;
        this.perValue = perValue;
        this.distinct = perValue != null;
        this.counters = counters;
    }

    /** Null to pass, else the reply. */
    LocalReply check(RequestView request, long now) {
        StringBuilder key = null;
        for (int i = 0, n = selectors.size(); i < n; i++) {
            Sel s = selectors.get(i);
            if (!s.matches(request)) return null;
            if (s.distinct) {
                if (key == null) key = new StringBuilder();
                else key.append('\u0000');
                s.appendValue(request, key);
            }
        }
        TokenBucket b = distinct ? perValue.get(key.toString()) : single;
        long left = b.take(now);
        if (left >= 0) {
            counters.ok();
            return null;
        }
        counters.overLimit();
        return RouteLimits.overLimit(this, -left);
    }

    /** One compiled client selector. */
    static final class Sel {
        final Selector.Source source;
        final String name;
        final boolean distinct;
        final String value;
        final boolean prefix;
        private final int v4net;
        private final int v4mask;
        private final byte[] net;
        private final int bits;

        Sel(Selector.Source source, String name, boolean distinct, String value, boolean prefix, byte[] net, int bits) {
            this.source = source;
            this.name = name;
            this.distinct = distinct;
            this.value = value;
            this.prefix = prefix;
            this.net = net;
            this.bits = bits;
            if (net != null && net.length == 4) {
                int a = ((net[0] & 0xff) << 24) | ((net[1] & 0xff) << 16) | ((net[2] & 0xff) << 8) | (net[3] & 0xff);
                this.v4mask = bits == 0 ? 0 : -1 << (32 - bits);
                this.v4net = a & v4mask;
            } else {
                this.v4mask = 0;
                this.v4net = 0;
            }
        }

        boolean matches(RequestView r) {
            return switch (source) {
                case HEADER -> {
                    CharSequence h = r.header(name);
                    yield h != null && (distinct || value.contentEquals(h));
                }
                case SOURCE_CIDR -> inCidr(r.remoteAddress());
                case PRINCIPAL -> {
                    String p = r.principal();
                    yield p != null && (distinct || value.equals(p));
                }
                case JWT_CLAIM -> {
                    String c = claim(r);
                    yield c != null && (distinct || value.equals(c));
                }
                case PATH -> {
                    String p = r.path();
                    if (!prefix) yield p.equals(value);
                    yield p.startsWith(value) && (p.length() == value.length() || value.endsWith("/") || p.charAt(value.length()) == '/');
                }
                default -> false;
            };
        }

        private boolean inCidr(InetAddress a) {
            if (a == null) return false;
            if (a instanceof Inet4Address) {
                if (net.length != 4) return false;
                return (a.hashCode() & v4mask) == v4net; // Inet4Address.hashCode is the address: no copy
            }
            byte[] b = a.getAddress();
            if (b.length != net.length) return false;
            int full = bits / 8;
            for (int i = 0; i < full; i++) if (b[i] != net[i]) return false;
            int rest = bits % 8;
            if (rest == 0) return true;
            int m = (0xff << (8 - rest)) & 0xff;
            return (b[full] & m) == (net[full] & m);
        }

        void appendValue(RequestView r, StringBuilder key) {
            switch (source) {
                case HEADER -> key.append(r.header(name));
                case SOURCE_CIDR -> key.append(r.remoteAddress().getHostAddress());
                case PRINCIPAL -> key.append(r.principal());
                case JWT_CLAIM -> key.append(claim(r));
                default -> {}
            }
        }

        /**
         * The verified token's claim {@link #name} (a dotted name reaches a nested one) as one string: a string as
         * it is, a number or boolean as JSON writes it; null without a verified token, without the claim, or when it
         * is an object or a list (those select nothing).
         */
        private String claim(RequestView r) {
            RequestAuth auth = r.requestAuth();
            if (auth == null) return null;
            Object v = auth.claim(name);
            if (v instanceof String s) return s;
            if (v instanceof Number || v instanceof Boolean) return v.toString();
            return null;
        }
    }
}
