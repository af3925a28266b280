package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

/** Exact (optionally case-insensitive) or full-match regular expression. */
public record StringMatch(Kind kind, String value, boolean ignoreCase) {
    public enum Kind { EXACT, REGEX }

    public StringMatch {
        requireNonNull(kind, "kind");
        requireNonNull(value, "value");
    }

    public static StringMatch exact(String v) {
        return new StringMatch(Kind.EXACT, v, false);
    }

    public static StringMatch regex(String v) {
        return new StringMatch(Kind.REGEX, v, false);
    }
}
