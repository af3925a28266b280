package dev.lattice.proxy.filter;

import dev.lattice.proxy.config.PathMatch;

/** The matched part of a path, replaced: what a prefix rewrite and a prefix redirect share. */
public final class PathPrefix {
    private PathPrefix() {}

    /**
     * {@code path} with the matched prefix replaced by {@code replacement}, segment-wise for prefix matches:
     * "/" + rest never yields "//", an empty result is "/". Exact and regex matches replace the whole path.
     */
    public static String replace(String path, PathMatch.Kind kind, String matchValue, String replacement) {
        String rest;
        if (kind == PathMatch.Kind.PREFIX || kind == PathMatch.Kind.PATH_SEPARATED_PREFIX) {
            String matched = matchValue.endsWith("/") ? matchValue.substring(0, matchValue.length() - 1) : matchValue;
            rest = path.length() >= matched.length() ? path.substring(matched.length()) : "";
        } else {
            rest = "";
        }
        String out;
        if (rest.isEmpty()) {
            out = replacement;
        } else if (replacement.endsWith("/") && rest.charAt(0) == '/') {
            out = replacement + rest.substring(1);
        } else if (!replacement.isEmpty() && !replacement.endsWith("/") && rest.charAt(0) != '/'
                && kind == PathMatch.Kind.PATH_SEPARATED_PREFIX) {
            out = replacement + "/" + rest;
        } else {
            out = replacement + rest;
        }
        return out.isEmpty() ? "/" : out;
    }
}
