package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/** How a route matches the request path (without its query). */
public record PathMatch(Kind kind, String value) {
    public enum Kind { PREFIX, EXACT, PATH_SEPARATED_PREFIX, REGEX }

    public PathMatch {
        requireNonNull(kind, "kind");
        requireNonNull(value, "value");
    }

    public static PathMatch prefix(String p) {
        return new PathMatch(Kind.PREFIX, p);
    }
}
