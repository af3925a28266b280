package dev.lattice.proxy.http;

import dev.lattice.proxy.config.CorsPolicy;
import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.listener.CompiledListener;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.regex.Pattern;

/** The route-level filters, compiled once per config: header modifiers, CORS, rewrites and redirects. */
public final class RouteFilters {
    private RouteFilters() {}

    /** Compiled header modifiers; null stands for "nothing to do". */
    public static final class HeaderOps {
        private final AsciiString[] setNames;
        private final String[] setValues;
        private final AsciiString[] addNames;
        private final String[] addValues;
        private final AsciiString[] removes;

        private HeaderOps(HeaderMods m) {
            setNames = m.set().stream().map(h -> AsciiString.cached(h.name())).toArray(AsciiString[]::new);
            setValues = m.set().stream().map(HeaderMods.Header::value).toArray(String[]::new);
            addNames = m.add().stream().map(h -> AsciiString.cached(h.name())).toArray(AsciiString[]::new);
            addValues = m.add().stream().map(HeaderMods.Header::value).toArray(String[]::new);
            removes = m.remove().stream().map(AsciiString::cached).toArray(AsciiString[]::new);
        }

        /** The compiled form of {@code m}, or null when it does nothing. */
        public static HeaderOps of(HeaderMods m) {
            return m.isEmpty() ? null : new HeaderOps(m);
        }

        /** set (overwrite), then add (joined to an existing value with ","), then remove. */
        void apply(HttpHeaders h) {
            for (int i = 0; i < setNames.length; i++) {
                h.set(setNames[i], setValues[i]);
            }
            for (int i = 0; i < addNames.length; i++) {
                List<String> old = h.getAll(addNames[i]);
                if (old.isEmpty()) {
                    h.set(addNames[i], addValues[i]);
                } else {
                    h.set(addNames[i], String.join(",", old) + "," + addValues[i]);
                }
            }
            for (AsciiString r : removes) {
                h.remove(r);
            }
        }
    }

    /** A compiled CORS policy. */
    static final class Cors {
        static final AsciiString ALLOW_ORIGIN = AsciiString.cached("access-control-allow-origin");
        static final AsciiString ALLOW_METHODS = AsciiString.cached("access-control-allow-methods");
        static final AsciiString ALLOW_HEADERS = AsciiString.cached("access-control-allow-headers");
        static final AsciiString EXPOSE_HEADERS = AsciiString.cached("access-control-expose-headers");
        static final AsciiString MAX_AGE = AsciiString.cached("access-control-max-age");
        static final AsciiString ALLOW_CREDENTIALS = AsciiString.cached("access-control-allow-credentials");
        static final AsciiString REQUEST_METHOD = AsciiString.cached("access-control-request-method");
        private final CompiledRoute.Matcher[] origins;
        final CorsPolicy policy;

        Cors(CorsPolicy p) {
            this.policy = p;
            this.origins = p.allowOrigins().stream().map(m -> new CompiledRoute.Matcher("origin", m))
                    .toArray(CompiledRoute.Matcher[]::new);
        }

        boolean allows(String origin) {
            for (CompiledRoute.Matcher m : origins) {
                if (m.matches(origin)) {
                    return true;
                }
            }
            return false;
        }

        /** Headers of the proxy's answer to a preflight from an allowed {@code origin}. */
        void preflight(HttpHeaders h, String origin) {
            h.set(ALLOW_ORIGIN, origin);
            if (!policy.allowMethods().isEmpty()) {
                h.set(ALLOW_METHODS, policy.allowMethods());
            }
            if (!policy.allowHeaders().isEmpty()) {
                h.set(ALLOW_HEADERS, policy.allowHeaders());
            }
            if (!policy.exposeHeaders().isEmpty()) {
                h.set(EXPOSE_HEADERS, policy.exposeHeaders());
            }
            if (!policy.maxAge().isEmpty()) {
                h.set(MAX_AGE, policy.maxAge());
            }
            if (policy.allowCredentials()) {
                h.set(ALLOW_CREDENTIALS, "true");
            }
        }

        /** Headers added to the response of a simple (non-preflight) request from an allowed {@code origin}. */
        void response(HttpHeaders h, String origin) {
            h.set(ALLOW_ORIGIN, origin);
            if (policy.allowCredentials()) {
                h.set(ALLOW_CREDENTIALS, "true");
            }
            if (!policy.exposeHeaders().isEmpty()) {
                h.set(EXPOSE_HEADERS, policy.exposeHeaders());
            }
        }
    }

    /** A compiled URL rewrite. */
    public static final class Rewrite {
        final String prefix;
        final Pattern regex;
        final String substitution; // java.util.regex replacement syntax
        final String host;

        public Rewrite(RouteAction.Rewrite r) {
            this.prefix = r.prefix();
            this.regex = r.regex() == null ? null : Pattern.compile(r.regex());
            this.substitution = r.substitution() == null ? null : javaReplacement(r.substitution());
            this.host = r.host();
        }

        /** The rewritten origin-form URI (the query is kept), or {@code uri} when the path is not rewritten. */
        String uri(String uri, int pathEnd, PathMatch.Kind kind, String matchValue) {
            if (prefix == null && regex == null) {
                return uri;
            }
            String path = uri.substring(0, pathEnd);
            String p = prefix != null ? replacePrefix(path, kind, matchValue, prefix) : regex.matcher(path).replaceAll(substitution);
            if (p.isEmpty()) {
                p = "/";
            }
            return pathEnd == uri.length() ? p : p + uri.substring(pathEnd);
        }
    }

    /**
     * {@code path} with the matched prefix replaced by {@code replacement}, segment-wise for prefix matches:
     * "/" + rest never yields "//", an empty result is "/". Exact and regex matches replace the whole path.
     */
    static String replacePrefix(String path, PathMatch.Kind kind, String matchValue, String replacement) {
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

    /** Envoy's substitution ({@code \1} for a group) in java.util.regex replacement syntax. */
    static String javaReplacement(String s) {
        StringBuilder b = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                b.append('$').append(s.charAt(++i));
            } else if (c == '\\' || c == '$') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The {@code Location} of a redirect: {@code scheme://host[:port]path[?query]}, the port omitted when it is the
     * scheme's default. {@code requestHost} is the request's Host (it may carry a port), {@code uri} its origin form.
     */
    static String location(RouteAction.Redirect r, boolean secure, String requestHost, String uri, int pathEnd,
            PathMatch.Kind kind, String matchValue) {
        String scheme = r.scheme() != null ? r.scheme() : secure ? "https" : "http";
        String reqHost = requestHost == null ? "" : requestHost;
        String hostOnly = CompiledListener.stripPort(reqHost);
        int port = r.port();
        if (port == 0 && r.host() == null && hostOnly.length() < reqHost.length()) {
            try {
                port = Integer.parseInt(reqHost.substring(hostOnly.length() + 1));
            } catch (NumberFormatException e) {
                port = 0;
            }
        }
        String host = r.host() != null ? r.host() : hostOnly;
        String path = uri.substring(0, pathEnd);
        if (r.path() != null) {
            path = r.path();
        } else if (r.prefix() != null) {
            path = replacePrefix(path, kind, matchValue, r.prefix());
        }
        StringBuilder b = new StringBuilder(scheme.length() + host.length() + uri.length() + 16);
        b.append(scheme).append("://").append(host);
        boolean defaultPort = port == 0 || (port == 80 && scheme.equals("http")) || (port == 443 && scheme.equals("https"));
        if (!defaultPort) {
            b.append(':').append(port);
        }
        b.append(path);
        if (pathEnd < uri.length()) {
            b.append(uri, pathEnd, uri.length());
        }
        return b.toString();
    }
}
