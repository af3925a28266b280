package dev.lattice.model;

/** Checks an IP address or CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 192.168.1.7}). */
final class Cidr {
    private Cidr() {}

    /** Null when {@code s} is an IP literal or a CIDR block, else why not. */
    static String check(String s) {
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        if (!Workload.isIpLiteral(ip)) return "not an IP address or CIDR block";
        if (slash < 0) return null;
        String len = s.substring(slash + 1);
        int max = ip.contains(":") ? 128 : 32;
        if (!len.matches("[0-9]{1,3}") || Integer.parseInt(len) > max) return "the prefix length must be 0-" + max;
        return null;
    }
}
