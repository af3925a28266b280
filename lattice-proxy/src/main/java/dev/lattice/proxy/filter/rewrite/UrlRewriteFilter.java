package dev.lattice.proxy.filter.rewrite;

import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.PathPrefix;
import dev.lattice.proxy.filter.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.regex.Pattern;

/**
 * Gateway API's URLRewrite (a route's, or a backend's merged with its route's): the path (its matched prefix, or a
 * regex substitution as Envoy's {@code regex_rewrite}) and the Host sent upstream; the query is kept.
 */
public final class UrlRewriteFilter implements HttpFilter {
    private final String prefix;
    private final Pattern regex;
    private final String substitution; // java.util.regex replacement syntax
    private final String host;
    private final PathMatch.Kind pathKind;
    private final String pathValue;

    private UrlRewriteFilter(RouteAction.Rewrite r, PathMatch.Kind pathKind, String pathValue) {
        this.prefix = r.prefix();
        this.regex = r.regex() == null ? null : Pattern.compile(r.regex());
        this.substitution = r.substitution() == null ? null : javaReplacement(r.substitution());
        this.host = r.host();
        this.pathKind = pathKind;
        this.pathValue = pathValue;
    }

    /** The filter for {@code r} on a route matching {@code pathKind} {@code pathValue}, or null when it rewrites nothing. */
    public static UrlRewriteFilter of(RouteAction.Rewrite r, PathMatch.Kind pathKind, String pathValue) {
        return r.isNone() ? null : new UrlRewriteFilter(r, pathKind, pathValue);
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        String uri = r.pathAndQuery();
        String rewritten = uri(uri, r.path().length());
        if (rewritten != uri) r.setPathAndQuery(rewritten);
        if (host != null) r.upstreamHeaders().set(HttpHeaderNames.HOST, host);
        return null;
    }

    /** The rewritten origin-form URI (the query is kept), or {@code uri} itself when the path is not rewritten. */
    public String uri(String uri, int pathEnd) {
        if (prefix == null && regex == null) {
            return uri;
        }
        String path = uri.substring(0, pathEnd);
        String p = prefix != null ? PathPrefix.replace(path, pathKind, pathValue, prefix) : regex.matcher(path).replaceAll(substitution);
        if (p.isEmpty()) {
            p = "/";
        }
        return pathEnd == uri.length() ? p : p + uri.substring(pathEnd);
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
}
