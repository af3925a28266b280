package dev.lattice.proxy.filter;

/** Host header helpers shared by the router and the filters. */
public final class Authority {
    private Authority() {}

    /** The host of a Host value without its port ({@code [::1]:80} → {@code [::1]}, {@code a:80} → {@code a}). */
    public static String stripPort(String h) {
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close > 0 && close + 1 < h.length() && h.charAt(close + 1) == ':' ? h.substring(0, close + 1) : h;
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(':') == colon) {
            return h.substring(0, colon);
        }
        return h;
    }
}
