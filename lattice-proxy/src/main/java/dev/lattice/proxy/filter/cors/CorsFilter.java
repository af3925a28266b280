package dev.lattice.proxy.filter.cors;

import dev.lattice.proxy.config.CorsPolicy;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.ResponseView;
import dev.lattice.proxy.filter.StreamFilter;
import dev.lattice.proxy.router.CompiledRoute;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * A route's CORS policy (Envoy's {@code envoy.filters.http.cors} with its per-route CorsPolicy; Gateway API's CORS
 * filter): a preflight from an allowed origin is answered here; any other request from an allowed origin goes on, and
 * its response gets the allow headers. Requests from other origins, or with none, pass untouched.
 */
public final class CorsFilter implements HttpFilter {
    static final AsciiString ORIGIN = AsciiString.cached("origin");
    static final AsciiString ALLOW_ORIGIN = AsciiString.cached("access-control-allow-origin");
    static final AsciiString ALLOW_METHODS = AsciiString.cached("access-control-allow-methods");
    static final AsciiString ALLOW_HEADERS = AsciiString.cached("access-control-allow-headers");
    static final AsciiString EXPOSE_HEADERS = AsciiString.cached("access-control-expose-headers");
    static final AsciiString MAX_AGE = AsciiString.cached("access-control-max-age");
    static final AsciiString ALLOW_CREDENTIALS = AsciiString.cached("access-control-allow-credentials");
    static final AsciiString REQUEST_METHOD = AsciiString.cached("access-control-request-method");

    private final CompiledRoute.Matcher[] origins;
    private final CorsPolicy policy;

    /** The policy, for config dumps. */
    public CorsPolicy policy() {
        return policy;
    }

    public CorsFilter(CorsPolicy p) {
        this.policy = p;
        this.origins = p.allowOrigins().stream().map(m -> new CompiledRoute.Matcher("origin", m))
                .toArray(CompiledRoute.Matcher[]::new);
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        HttpHeaders h = r.upstreamHeaders();
        String origin = h.get(ORIGIN);
        if (origin == null || !allows(origin)) return null;
        if (r.method().equals("OPTIONS") && h.contains(REQUEST_METHOD)) {
            HttpHeaders extra = new DefaultHttpHeaders();
            preflight(extra, origin);
            return LocalReply.http(200, extra);
        }
        r.observe(new Response(origin));
        return null;
    }

    boolean allows(String origin) {
        for (CompiledRoute.Matcher m : origins) {
            if (m.matches(origin)) return true;
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

    /** The allow headers on the response to a simple (non-preflight) request from an allowed origin. */
    private final class Response implements StreamFilter {
        private final String origin;

        Response(String origin) {
            this.origin = origin;
        }

        @Override
        public void onResponseHeaders(ResponseView r) {
            HttpHeaders h = r.headers();
            h.set(ALLOW_ORIGIN, origin);
            if (policy.allowCredentials()) {
                h.set(ALLOW_CREDENTIALS, "true");
            }
            if (!policy.exposeHeaders().isEmpty()) {
                h.set(EXPOSE_HEADERS, policy.exposeHeaders());
            }
        }
    }
}
