package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.HttpFilters;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * Route filters into IR: header modifiers, CORS, redirects, rewrites, mirrors, retries; and the combinations
 * that make a route unacceptable (IncompatibleFilters, UnsupportedValue), each also reported as a problem.
 */
final class FilterTranslator {
    private final Resource resource;
    private final List<Problem> problems;

    FilterTranslator(Resource resource, List<Problem> problems) {
        this.resource = resource;
        this.problems = problems;
    }

    /**
     * Why a rule makes its route unacceptable, as {reason, message}, or null. IncompatibleFilters: RequestRedirect
     * with URLRewrite (in a rule or in one backendRef), or with backendRefs. UnsupportedValue: an unknown filter type,
     * a filter that Lattice does not support at backendRef level (RequestMirror, CORS), or a sessionPersistence
     * idleTimeout.
     */
    String[] rejection(HttpRoute.Rule rule, String rulePath) {
        String[] first = null;
        boolean redirect = false;
        boolean rewrite = false;
        for (int k = 0; k < rule.filters().size(); k++) {
            HttpFilters.Filter f = rule.filters().get(k);
            if (f instanceof HttpFilters.Redirect) redirect = true;
            if (f instanceof HttpFilters.Rewrite) rewrite = true;
            if (f instanceof HttpFilters.Unsupported u) {
                first = keep(first, reject(rulePath + ".filters[" + k + "].type", "UnsupportedValue",
                        "filter type " + u.type() + " is not supported (Lattice supports " + String.join(", ", TYPES) + ")"));
            }
        }
        if (redirect && rewrite) {
            first = keep(first, reject(rulePath + ".filters", "IncompatibleFilters",
                    "RequestRedirect and URLRewrite cannot be used in the same rule"));
        }
        if (redirect && !rule.backendRefs().isEmpty()) {
            first = keep(first, reject(rulePath + ".backendRefs", "IncompatibleFilters",
                    "a rule with a RequestRedirect filter must not have backendRefs (the redirect answers every request)"));
        }
        for (int j = 0; j < rule.backendRefs().size(); j++) {
            List<HttpFilters.Filter> fs = rule.backendRefs().get(j).filters();
            boolean backendRedirect = false;
            boolean backendRewrite = false;
            for (int k = 0; k < fs.size(); k++) {
                HttpFilters.Filter f = fs.get(k);
                if (f instanceof HttpFilters.Redirect) backendRedirect = true;
                if (f instanceof HttpFilters.Rewrite) backendRewrite = true;
                if (f instanceof HttpFilters.HeaderModifier || f instanceof HttpFilters.ExtensionRef
                        || f instanceof HttpFilters.Redirect || f instanceof HttpFilters.Rewrite) {
                    continue;
                }
                first = keep(first, reject(rulePath + ".backendRefs[" + j + "].filters[" + k + "].type", "UnsupportedValue",
                        "filter type " + f.type() + " is not supported at backendRef level (Lattice supports "
                                + "RequestHeaderModifier, ResponseHeaderModifier, URLRewrite and RequestRedirect there; put it in "
                                + "the rule's filters)"));
            }
            if (backendRedirect && backendRewrite) {
                first = keep(first, reject(rulePath + ".backendRefs[" + j + "].filters", "IncompatibleFilters",
                        "RequestRedirect and URLRewrite cannot be used in the same backendRef"));
            }
        }
        HttpRoute.SessionPersistence sp = rule.sessionPersistence();
        if (sp != null && sp.idleTimeout() != null) {
            first = keep(first, reject(rulePath + ".sessionPersistence.idleTimeout", "UnsupportedValue",
                    "idleTimeout is not supported by Lattice (as in Envoy Gateway; Gateway API v1.6 removed the field); "
                            + "use absoluteTimeout"));
        }
        return first;
    }

    /**
     * The rule's session persistence, or null. The name is the one written, else, as Envoy Gateway names it,
     * {@code <kind>-<namespace>-<route>-rule-<index>} in lower case (e.g. {@code httproute-default-shop-rule-0}). A
     * Permanent cookie gets absoluteTimeout as its Max-Age; absoluteTimeout (any type) also bounds how long the proxy
     * honours the session (a cookie or header value carries its expiry).
     */
    static Ir.Session session(HttpRoute.SessionPersistence sp, String routeKind, String namespace, String name, int rule) {
        if (sp == null) return null;
        String sessionName = sp.name() != null ? sp.name()
                : (routeKind + "-" + namespace + "-" + name + "-rule-" + rule).toLowerCase(java.util.Locale.ROOT);
        long lifetime = sp.absoluteTimeout() == null ? 0 : Math.max(1, (sp.absoluteTimeout() + 999) / 1000);
        return new Ir.Session(sp.cookie(), sessionName, sp.cookiePath(), sp.cookie() && sp.permanent() ? lifetime : 0,
                lifetime);
    }

    private static final List<String> TYPES = List.of("RequestHeaderModifier", "ResponseHeaderModifier",
            "RequestRedirect", "URLRewrite", "RequestMirror", "CORS");

    private static String[] keep(String[] first, String[] next) {
        return first != null ? first : next;
    }

    private String[] reject(String field, String reason, String message) {
        problems.add(Lines.problem(resource, field, message + " (" + reason + ")"));
        return new String[] {reason, field + ": " + message};
    }

    /** The first ExtensionRef among the filters as "group/kind name", or null. */
    static String extensionRef(List<HttpFilters.Filter> filters) {
        for (HttpFilters.Filter f : filters) {
            if (f instanceof HttpFilters.ExtensionRef e) return (e.group().isEmpty() ? "" : e.group() + "/") + e.kind() + " " + e.name();
        }
        return null;
    }

    /** The request (response false) or response header modifier among the filters, or NONE. */
    static Ir.HeaderOps headers(List<HttpFilters.Filter> filters, boolean response) {
        for (HttpFilters.Filter f : filters) {
            if (f instanceof HttpFilters.HeaderModifier h && h.response() == response) {
                return new Ir.HeaderOps(values(h.set()), values(h.add()), h.remove());
            }
        }
        return Ir.HeaderOps.NONE;
    }

    private static List<Ir.HeaderValue> values(List<HttpFilters.Header> hs) {
        return hs.stream().map(h -> new Ir.HeaderValue(h.name(), h.value())).toList();
    }

    static Ir.RouteFilters routeFilters(List<HttpFilters.Filter> filters) {
        Ir.Cors cors = null;
        for (HttpFilters.Filter f : filters) {
            if (f instanceof HttpFilters.Cors c) cors = cors(c);
        }
        return new Ir.RouteFilters(headers(filters, false), headers(filters, true), cors);
    }

    static Ir.Cors cors(HttpFilters.Cors c) {
        List<Ir.OriginMatch> origins = new ArrayList<>();
        for (String o : c.allowOrigins()) {
            if (o.equals("*")) origins.add(new Ir.OriginMatch(true, ".*"));
            else if (o.contains("*")) origins.add(new Ir.OriginMatch(true, o.replace(".", "\\.").replace("*", "[^/:]+")));
            else origins.add(new Ir.OriginMatch(false, o));
        }
        return new Ir.Cors(origins, c.allowMethods(), c.allowHeaders(), c.exposeHeaders(), c.maxAge(), c.allowCredentials());
    }

    /**
     * The rule's redirect, or null. Its port follows the spec: the filter's port; else the well-known port of the
     * filter's scheme (http 80, https 443); else null, which the listener's port fills in (the Service port for a
     * mesh route).
     */
    static Ir.Redirect redirect(List<HttpFilters.Filter> filters) {
        for (HttpFilters.Filter f : filters) {
            if (!(f instanceof HttpFilters.Redirect r)) continue;
            Integer port = r.port();
            if (port == null && r.scheme() != null) port = r.scheme().equals("https") ? 443 : 80;
            Ir.PathRewrite path = r.path() == null ? null : new Ir.PathRewrite(r.path().fullPath(), r.path().value());
            return new Ir.Redirect(r.scheme(), r.hostname(), port, path, r.statusCode());
        }
        return null;
    }

    static HttpFilters.Rewrite rewrite(List<HttpFilters.Filter> filters) {
        for (HttpFilters.Filter f : filters) {
            if (f instanceof HttpFilters.Rewrite r) return r;
        }
        return null;
    }

    /**
     * A mirror to {@code cluster}: every request when the filter gives no share; else the share as a fraction of
     * 100, 10000 or 1000000 (the smallest that holds it exactly, else a million, rounded).
     */
    static Ir.Mirror mirror(String cluster, HttpFilters.Mirror m) {
        if (m.numerator() == null || m.denominator() == null) return new Ir.Mirror(cluster, 0, 0);
        long n = m.numerator();
        long d = m.denominator();
        for (int den : new int[] {100, 10_000, 1_000_000}) {
            if ((n * den) % d == 0) return new Ir.Mirror(cluster, (int) (n * den / d), den);
        }
        return new Ir.Mirror(cluster, (int) Math.round((double) n * 1_000_000 / d), 1_000_000);
    }

    /**
     * The rule's retry policy: the retry's attempts (default 1), codes and backoff, with backendRequest as the
     * per-try timeout; with no retry but a backendRequest timeout, zero retries with that per-try timeout; else null.
     */
    static Ir.Retry retry(HttpRoute.Rule rule) {
        Long perTry = rule.timeouts().backendRequest();
        if (perTry != null && perTry == 0) perTry = null;
        HttpRoute.Retry r = rule.retry();
        if (r == null) return perTry == null ? null : new Ir.Retry(0, List.of(), null, perTry);
        return new Ir.Retry(r.attempts() == null ? 1 : r.attempts(), r.codes(), r.backoff(), perTry);
    }
}
