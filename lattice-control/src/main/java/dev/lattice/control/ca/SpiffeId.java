package dev.lattice.control.ca;

import static java.util.Objects.requireNonNull;

/**
 * A SPIFFE ID ({@code spiffe://<trust domain>/<path>}), checked as the SPIFFE ID specification says: scheme
 * {@code spiffe}, a trust domain of lowercase letters, digits, '.', '-' and '_', no port, user info, query or
 * fragment, and a path of non-empty segments other than '.' and '..' of letters, digits, '.', '-' and '_'.
 */
public record SpiffeId(String trustDomain, String path) {
    public SpiffeId {
        requireNonNull(trustDomain, "trustDomain");
        requireNonNull(path, "path");
        String bad = checkTrustDomain(trustDomain);
        if (bad == null) bad = checkPath(path);
        if (bad != null) throw new IllegalArgumentException(bad);
    }

    /** {@code spiffe://<td>/ns/<namespace>/sa/<serviceAccount>}, the identity of a workload in the mesh. */
    public static SpiffeId forWorkload(String trustDomain, String namespace, String serviceAccount) {
        return new SpiffeId(trustDomain, "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    /** Parses {@code spiffe://td/path}; an IllegalArgumentException says what is wrong. */
    public static SpiffeId parse(String s) {
        requireNonNull(s, "s");
        String prefix = "spiffe://";
        if (!s.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new IllegalArgumentException("a SPIFFE ID starts with spiffe://, got " + s);
        }
        if (!s.startsWith(prefix)) throw new IllegalArgumentException("the scheme must be lowercase spiffe: " + s);
        String rest = s.substring(prefix.length());
        int slash = rest.indexOf('/');
        String td = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (td.indexOf(':') >= 0) throw new IllegalArgumentException("a SPIFFE ID has no port: " + s);
        if (td.indexOf('@') >= 0) throw new IllegalArgumentException("a SPIFFE ID has no user info: " + s);
        if (s.indexOf('?') >= 0 || s.indexOf('#') >= 0) {
            throw new IllegalArgumentException("a SPIFFE ID has no query or fragment: " + s);
        }
        return new SpiffeId(td, path);
    }

    /** Null when {@code td} is a valid trust domain name, else why not. */
    public static String checkTrustDomain(String td) {
        if (td.isEmpty()) return "the trust domain is empty";
        if (td.length() > 255) return "the trust domain is longer than 255 characters";
        for (int i = 0; i < td.length(); i++) {
            char c = td.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
                return "the trust domain " + td + " may hold only lowercase letters, digits, '.', '-' and '_'";
            }
        }
        return null;
    }

    private static String checkPath(String path) {
        if (path.isEmpty()) return null;
        if (!path.startsWith("/")) return "the path must start with /: " + path;
        if (path.endsWith("/")) return "the path must not end with /: " + path;
        for (String seg : path.substring(1).split("/", -1)) {
            if (seg.isEmpty()) return "the path has an empty segment: " + path;
            if (seg.equals(".") || seg.equals("..")) return "the path has a '" + seg + "' segment: " + path;
            for (int i = 0; i < seg.length(); i++) {
                char c = seg.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
                    return "the path may hold only letters, digits, '.', '-' and '_': " + path;
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "spiffe://" + trustDomain + path;
    }
}
