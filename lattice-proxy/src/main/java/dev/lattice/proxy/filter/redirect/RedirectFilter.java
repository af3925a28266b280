package dev.lattice.proxy.filter.redirect;

import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.filter.Authority;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.PathPrefix;
import dev.lattice.proxy.filter.RequestView;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Gateway API's RequestRedirect (a route's redirect action, or a backend's): answers every request with its status and
 * a {@code Location} built from the request and the redirect, as plain HTTP even to a gRPC client.
 */
public final class RedirectFilter implements HttpFilter {
    private final RouteAction.Redirect redirect;
    private final PathMatch.Kind pathKind;
    private final String pathValue;

    /** The redirect of a route whose path match is {@code pathKind} {@code pathValue} (what a prefix replaces). */
    public RedirectFilter(RouteAction.Redirect redirect, PathMatch.Kind pathKind, String pathValue) {
        this.redirect = redirect;
        this.pathKind = pathKind;
        this.pathValue = pathValue;
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        String uri = r.pathAndQuery();
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.LOCATION, location(redirect, r.secure(), r.authority(), uri, r.path().length(), pathKind, pathValue));
        return LocalReply.http(redirect.status(), h);
    }

    /**
     * The {@code Location} of a redirect: {@code scheme://host[:port]path[?query]}, the port omitted when it is the
     * scheme's default. {@code requestHost} is the request's Host (it may carry a port), {@code uri} its origin form.
     */
    public static String location(RouteAction.Redirect r, boolean secure, String requestHost, String uri, int pathEnd,
            PathMatch.Kind kind, String matchValue) {
        String scheme = r.scheme() != null ? r.scheme() : secure ? "https" : "http";
        String reqHost = requestHost == null ? "" : requestHost;
        String hostOnly = Authority.stripPort(reqHost);
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
            path = PathPrefix.replace(path, kind, matchValue, r.prefix());
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
