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

    /**
     * An RBAC {@code metadata} principal on what the JWT filter verified ({@link RequestView#requestAuth()}), in
     * Istio's key layout under the JWT filter's namespace: {@code request.auth.principal} ({@code iss/sub}),
     * {@code request.auth.presenter} (the {@code azp} claim), {@code request.auth.audiences} (the {@code aud}
     * list), {@code request.auth.claims} followed by one or more claim names (nested objects). A string matcher
     * needs a string value; a list matcher ({@code list_match.one_of}) matches a list with one matching item, or a
     * single value that matches (a scalar claim is a list of one, as Istio's). No verified token, or no such value:
     * no match ({@code invert} then turns it into a match, as Envoy's). Allocates nothing for string values.
     */
    static final class Authn implements Rule {
        /** {@code iss/sub} read in place ({@link dev.lattice.proxy.filter.RequestAuth#principal()} without the copy). */
        private record IssSub(String iss, String sub) implements CharSequence {
            IssSub {
                iss = iss == null ? "" : iss;
                sub = sub == null ? "" : sub;
            }

            @Override
            public int length() {
                return iss.length() + 1 + sub.length();
            }

            @Override
            public char charAt(int i) {
                int n = iss.length();
                return i < n ? iss.charAt(i) : i == n ? '/' : sub.charAt(i - n - 1);
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                return toString().subSequence(start, end);
            }

            @Override
            public String toString() {
                return iss + "/" + sub;
            }
        }

        enum Key { PRINCIPAL, PRESENTER, AUDIENCES, CLAIMS }

        final Key key;
        final String[] claimPath;
        final Str str;
        final boolean list;
        final boolean invert;

        Authn(Key key, String[] claimPath, Str str, boolean list, boolean invert) {
            this.key = key;
            this.claimPath = claimPath;
            this.str = str;
            this.list = list;
            this.invert = invert;
        }

        @Override
        public boolean matches(RequestView r) {
            return matchesAuth(r.requestAuth()) != invert;
        }

        private boolean matchesAuth(dev.lattice.proxy.filter.RequestAuth a) {
            if (a == null) return false;
            Object v = switch (key) {
                case PRINCIPAL -> a.issuer() == null && a.subject() == null ? null : new IssSub(a.issuer(), a.subject());
                case PRESENTER -> a.claims().get("azp");
                case AUDIENCES -> a.audiences();
                case CLAIMS -> {
                    Object cur = a.claims();
                    for (String p : claimPath) {
                        if (!(cur instanceof java.util.Map<?, ?> m)) {
                            cur = null;
                            break;
                        }
                        cur = m.get(p);
                    }
                    yield cur;
                }
            };
            if (v == null) return false;
            if (!list) return v instanceof CharSequence s && str.matches(s);
            if (v instanceof java.util.List<?> l) {
                for (int i = 0, n = l.size(); i < n; i++) if (scalar(l.get(i))) return true;
                return false;
            }
            return scalar(v);
        }

        private boolean scalar(Object v) {
            if (v instanceof CharSequence s) return str.matches(s);
            if (v instanceof Number || v instanceof Boolean) return str.matches(v.toString());
            if (v instanceof java.util.Date d) return str.matches(Long.toString(d.getTime() / 1000));
            return false;
        }
    }
}
