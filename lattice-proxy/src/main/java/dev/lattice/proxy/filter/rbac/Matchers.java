package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;
import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/** The compiled leaf matchers of RBAC rules: strings, headers, CIDR ranges. Immutable and thread-safe. */
final class Matchers {
    private Matchers() {}

    /** Envoy's StringMatcher: exact, prefix, suffix, contains or safe_regex (java.util.regex), optionally ignoring case. */
    static final class Str {
        enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

        final Kind kind;
        final String value;
        final boolean ignoreCase;
        final Pattern pattern;

        Str(Kind kind, String value, boolean ignoreCase) {
            this.kind = kind;
            this.ignoreCase = ignoreCase && kind != Kind.REGEX;
            this.value = this.ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
            this.pattern = kind == Kind.REGEX ? Pattern.compile(value) : null;
        }

        boolean matches(CharSequence s) {
            if (s == null) return false;
            switch (kind) {
                case REGEX:
                    return pattern.matcher(s).matches();
                case EXACT:
                    return s.length() == value.length() && regionMatches(s, 0);
                case PREFIX:
                    return s.length() >= value.length() && regionMatches(s, 0);
                case SUFFIX:
                    return s.length() >= value.length() && regionMatches(s, s.length() - value.length());
                default:
                    for (int i = 0; i + value.length() <= s.length(); i++) {
                        if (regionMatches(s, i)) return true;
                    }
                    return false;
            }
        }

        /** Whether {@code s} at {@code offset} holds {@link #value} (case-folded as configured), without allocating. */
        private boolean regionMatches(CharSequence s, int offset) {
            for (int i = 0; i < value.length(); i++) {
                char c = s.charAt(offset + i);
                if (ignoreCase && c >= 'A' && c <= 'Z') c = (char) (c + 32);
                else if (ignoreCase && c > 127) c = Character.toLowerCase(c);
                if (c != value.charAt(i)) return false;
            }
            return true;
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + (ignoreCase ? "(ignore case) " : " ") + value;
        }
    }

    /** An Envoy HeaderMatcher, with its rules for a missing header, {@code present_match} and {@code invert_match}. */
    static final class Header implements Rule {
        /** Lower-case name; a pseudo-header (":method", ":path", ":authority", ":scheme") is read from the request. */
        final String name;
        /** Null for a present_match. */
        final Str str;
        final boolean present;
        final boolean invert;
        final boolean missingAsEmpty;

        Header(String name, Str str, boolean present, boolean invert, boolean missingAsEmpty) {
            this.name = name.toLowerCase(Locale.ROOT);
            this.str = str;
            this.present = present;
            this.invert = invert;
            this.missingAsEmpty = missingAsEmpty;
        }

        @Override
        public boolean matches(RequestView r) {
            CharSequence v = switch (name) {
                case ":method" -> r.method();
                case ":path" -> r.pathAndQuery();
                case ":authority", "host" -> r.authority();
                case ":scheme" -> null;
                default -> r.header(name);
            };
            if (v == null && !missingAsEmpty) {
                // Envoy's HeaderUtility::matchHeaders for an absent header
                return invert ? str != null : str == null && !present;
            }
            if (v == null) v = "";
            boolean m = str == null ? present : str.matches(v);
            return m != invert;
        }
    }

    /** A CidrRange: an address prefix of {@code bits} bits, matched against IPv4 or IPv6 addresses of its family. */
    static final class Cidr {
        final byte[] prefix;
        final int bits;

        Cidr(InetAddress address, int bits) {
            this.prefix = address.getAddress();
            this.bits = bits;
            // zero the host bits once, so that matching compares masked bytes only
            for (int i = 0; i < prefix.length; i++) {
                int keep = Math.max(0, Math.min(8, bits - i * 8));
                prefix[i] = (byte) (prefix[i] & (0xff << (8 - keep)));
            }
        }

        boolean matches(InetAddress a) {
            if (a == null) return false;
            byte[] b = a.getAddress();
            if (b.length != prefix.length) {
                // an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) against an IPv4 range
                if (prefix.length == 4 && b.length == 16 && isV4Mapped(b)) return matchesAt(b, 12);
                return false;
            }
            return matchesAt(b, 0);
        }

        private boolean matchesAt(byte[] b, int offset) {
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (b[offset + i] != prefix[i]) return false;
            }
            int rest = bits % 8;
            if (rest == 0) return true;
            int mask = 0xff << (8 - rest);
            return (b[offset + full] & mask) == (prefix[full] & 0xff);
        }

        private static boolean isV4Mapped(byte[] b) {
            for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
            return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
        }
    }
}
