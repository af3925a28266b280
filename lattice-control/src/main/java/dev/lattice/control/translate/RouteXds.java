package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;

/** IR routes → xDS {@link Route}s, exactly as docs/xds.md's Route sections describe. Pure. */
final class RouteXds {
    static final String RETRY_ON = "retriable-status-codes,connect-failure,reset";
    static final String BACKEND_URL_REWRITE = "lattice.backend_url_rewrite";
    static final String BACKEND_REDIRECT = "lattice.backend_redirect";
    private static final Duration ZERO = Duration.getDefaultInstance();

    private RouteXds() {}

    /**
     * The route without its filters' per-route config, which {@link TranslatorFilters#patchRoute} adds (CORS,
     * session persistence, ...).
     */
    static Route.Builder route(Ir.Route r) {
        Route.Builder b = Route.newBuilder().setName(r.name()).setMatch(match(r.match()));
        Ir.RouteFilters rf = r.filters();
        b.addAllRequestHeadersToAdd(headersToAdd(rf.requestHeaders()));
        b.addAllRequestHeadersToRemove(rf.requestHeaders().remove());
        b.addAllResponseHeadersToAdd(headersToAdd(rf.responseHeaders()));
        b.addAllResponseHeadersToRemove(rf.responseHeaders().remove());
        switch (r.action()) {
            case Ir.Forward f -> b.setRoute(forward(f));
            case Ir.DirectResponse d -> b.setDirectResponse(DirectResponseAction.newBuilder().setStatus(d.status())
                    .setBody(DataSource.newBuilder().setInlineString(d.body())));
            case Ir.Redirect d -> b.setRedirect(redirect(d));
        }
        return b;
    }

    private static RouteAction forward(Ir.Forward f) {
        RouteAction.Builder a = RouteAction.newBuilder().setTimeout(millis(f.timeoutMillis()));
        boolean plain = f.clusters().size() == 1 && !f.invalidBackends() && !f.clusters().get(0).hasFilters();
        if (plain) {
            a.setCluster(f.clusters().get(0).name());
        } else {
            WeightedCluster.Builder w = WeightedCluster.newBuilder();
            for (Ir.WeightedCluster c : f.clusters()) {
                WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder().setName(c.name())
                        .setWeight(UInt32Value.of(c.weight()))
                        .addAllRequestHeadersToAdd(headersToAdd(c.requestHeaders()))
                        .addAllRequestHeadersToRemove(c.requestHeaders().remove())
                        .addAllResponseHeadersToAdd(headersToAdd(c.responseHeaders()))
                        .addAllResponseHeadersToRemove(c.responseHeaders().remove());
                if (c.hostRewrite() != null) cw.setHostRewriteLiteral(c.hostRewrite());
                if (c.rewrite() != null) {
                    RouteAction.Builder rw = RouteAction.newBuilder();
                    pathRewrite(rw, c.rewrite());
                    cw.putTypedPerFilterConfig(BACKEND_URL_REWRITE, optional(Any.pack(rw.build())));
                }
                if (c.redirect() != null) cw.putTypedPerFilterConfig(BACKEND_REDIRECT, optional(Any.pack(redirect(c.redirect()))));
                w.addClusters(cw);
            }
            a.setWeightedClusters(w);
        }
        if (f.invalidBackends()) {
            a.setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        }
        if (f.rewrite() != null) pathRewrite(a, f.rewrite());
        if (f.hostRewrite() != null) a.setHostRewriteLiteral(f.hostRewrite());
        for (Ir.Mirror m : f.mirrors()) {
            RouteAction.RequestMirrorPolicy.Builder p = RouteAction.RequestMirrorPolicy.newBuilder().setCluster(m.cluster());
            if (m.denominator() != 0) {
                p.setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
                        .setNumerator(m.numerator())
                        .setDenominator(switch (m.denominator()) {
                            case 100 -> FractionalPercent.DenominatorType.HUNDRED;
                            case 10_000 -> FractionalPercent.DenominatorType.TEN_THOUSAND;
                            default -> FractionalPercent.DenominatorType.MILLION;
                        })));
            }
            a.addRequestMirrorPolicies(p);
        }
        if (f.retry() != null) {
            Ir.Retry r = f.retry();
            RetryPolicy.Builder p = RetryPolicy.newBuilder().setRetryOn(RETRY_ON)
                    .setNumRetries(UInt32Value.of(r.attempts()));
            for (int code : r.codes()) p.addRetriableStatusCodes(code);
            if (r.perTryTimeoutMillis() != null) p.setPerTryTimeout(millis(r.perTryTimeoutMillis()));
            if (r.backoffMillis() != null && r.backoffMillis() > 0) {
                p.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(millis(r.backoffMillis())));
            }
            a.setRetryPolicy(p);
        }
        return a.build();
    }

    /** URLRewrite's path: ReplaceFullPath as a regex_rewrite of the whole path, ReplacePrefixMatch as prefix_rewrite. */
    private static void pathRewrite(RouteAction.Builder a, Ir.PathRewrite p) {
        if (p.fullPath()) {
            a.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                    .setPattern(RegexMatcher.newBuilder().setRegex("^/.*$"))
                    .setSubstitution(p.value()));
        } else {
            a.setPrefixRewrite(p.value());
        }
    }

    /** A per-filter config that an Envoy without the (Lattice) filter may ignore. */
    private static Any optional(Any config) {
        return Any.pack(FilterConfig.newBuilder().setConfig(config).setIsOptional(true).build());
    }

    private static RedirectAction redirect(Ir.Redirect d) {
        RedirectAction.Builder b = RedirectAction.newBuilder();
        if (d.scheme() != null) b.setSchemeRedirect(d.scheme());
        if (d.host() != null) b.setHostRedirect(d.host());
        if (d.port() != null) b.setPortRedirect(d.port());
        if (d.path() != null) {
            if (d.path().fullPath()) b.setPathRedirect(d.path().value());
            else b.setPrefixRewrite(d.path().value());
        }
        b.setResponseCode(switch (d.status()) {
            case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.FOUND;
        });
        return b.build();
    }

    private static List<HeaderValueOption> headersToAdd(Ir.HeaderOps ops) {
        java.util.ArrayList<HeaderValueOption> out = new java.util.ArrayList<>();
        for (Ir.HeaderValue h : ops.set()) out.add(option(h, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        for (Ir.HeaderValue h : ops.add()) out.add(option(h, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
        return out;
    }

    private static HeaderValueOption option(Ir.HeaderValue h, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(h.name()).setValue(h.value()))
                .setAppendAction(action).build();
    }

    private static Duration millis(long ms) {
        if (ms == 0) return ZERO;
        return Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
    }

    static RouteMatch match(Ir.Match m) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        switch (m.pathKind()) {
            case EXACT -> b.setPath(m.path());
            case PREFIX -> b.setPrefix(m.path());
            case PATH_SEPARATED_PREFIX -> b.setPathSeparatedPrefix(m.path());
            case REGEX -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(m.path()));
        }
        for (Ir.ValueMatch h : m.headers()) {
            b.addHeaders(HeaderMatcher.newBuilder().setName(h.name()).setStringMatch(stringMatch(h)));
        }
        for (Ir.ValueMatch q : m.queryParameters()) {
            b.addQueryParameters(QueryParameterMatcher.newBuilder().setName(q.name()).setStringMatch(stringMatch(q)));
        }
        return b.build();
    }

    private static StringMatcher stringMatch(Ir.ValueMatch v) {
        return v.regex()
                ? StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(v.value())).build()
                : StringMatcher.newBuilder().setExact(v.value()).build();
    }
}
