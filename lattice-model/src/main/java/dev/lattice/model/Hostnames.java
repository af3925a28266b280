package dev.lattice.model;

import java.util.regex.Pattern;

/** Gateway API hostnames: a DNS name, optionally with a leading {@code *.} wildcard label; never an IP. */
public final class Hostnames {
    private static final Pattern HOSTNAME =
            Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private Hostnames() {}

    /** Null when valid, else what is wrong. */
    public static String check(String h) {
        if (h.isEmpty()) return "must not be empty";
        if (h.length() > 253) return "must be at most 253 characters";
        if (h.matches("[0-9.]+") || h.contains(":")) return "must be a DNS name, not an IP address: \"" + h + "\"";
        if (!HOSTNAME.matcher(h).matches()) {
            return "must be a lowercase DNS name, optionally starting with \"*.\", not \"" + h + "\"";
        }
        return null;
    }

    public static boolean isWildcard(String h) {
        return h.startsWith("*.");
    }

    /** Whether {@code pattern} (exact or {@code *.suffix}) matches the exact or wildcard name {@code h}. */
    public static boolean matches(String pattern, String h) {
        if (!isWildcard(pattern)) return pattern.equals(h);
        String suffix = pattern.substring(1); // ".example.com"
        if (isWildcard(h)) return h.substring(1).endsWith(suffix) && h.length() >= pattern.length();
        return h.endsWith(suffix) && h.length() > suffix.length();
    }

    /**
     * The intersection of a listener hostname (null: any) and a route hostname, as Gateway API defines it: the
     * more specific of the two when one matches the other, else null.
     */
    public static String intersect(String listener, String route) {
        if (listener == null) return route;
        if (listener.equals(route)) return route;
        if (matches(listener, route)) return route;
        if (matches(route, listener)) return listener;
        return null;
    }
}
