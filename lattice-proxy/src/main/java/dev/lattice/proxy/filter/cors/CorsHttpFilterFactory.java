package dev.lattice.proxy.filter.cors;

import com.google.protobuf.Any;
import dev.lattice.proxy.config.CorsPolicy;
import dev.lattice.proxy.config.StringMatch;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's CORS HTTP filter ({@code envoy.extensions.filters.http.cors.v3.Cors} in {@code http_filters}, with each
 * route's {@code CorsPolicy} in its {@code typed_per_filter_config}): at its place in the chain (before authorization,
 * so a browser's preflight is answered without credentials), the route's policy acts as {@link CorsFilter} says; a
 * route without a policy passes. A per-route policy on a listener without the filter does nothing, as in Envoy.
 */
public final class CorsHttpFilterFactory implements HttpFilterFactory {
    static final String TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors";
    static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

    /** The filter itself has no state: the route's policy is its per-route config. */
    private static final HttpFilter FILTER = new HttpFilter() {
        @Override
        public LocalReply onRequestHeaders(RequestView request) {
            return null;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
            return routeConfig instanceof CorsFilter c ? c.onRequestHeaders(request) : null;
        }
    };

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        return HttpFilterFactory.unpack(resource, path, typedConfig, Cors.class);
    }

    @Override
    public String perRouteTypeUrl() {
        return PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy c = HttpFilterFactory.unpack(resource, path, typedConfig, io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.class);
        return new CorsFilter(policy(resource, path, c));
    }

    /** A CorsPolicy as the proxy keeps it: a prefix origin becomes a quoted regex; exact and safe_regex stay. */
    static CorsPolicy policy(String res, String path, io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy c)
            throws XdsRejection {
        List<StringMatch> origins = new ArrayList<>();
        for (int i = 0; i < c.getAllowOriginStringMatchCount(); i++) {
            StringMatcher sm = c.getAllowOriginStringMatch(i);
            String op = path + ".allow_origin_string_match[" + i + "]";
            origins.add(switch (sm.getMatchPatternCase()) {
                case PREFIX -> new StringMatch(StringMatch.Kind.REGEX,
                        (sm.getIgnoreCase() ? "(?i)" : "") + Pattern.quote(sm.getPrefix()) + ".*", false);
                case EXACT -> new StringMatch(StringMatch.Kind.EXACT, sm.getExact(), sm.getIgnoreCase());
                case SAFE_REGEX -> {
                    try {
                        Pattern.compile(sm.getSafeRegex().getRegex());
                    } catch (PatternSyntaxException e) {
                        throw new XdsRejection(res, op + ".safe_regex.regex: invalid regular expression: " + e.getDescription());
                    }
                    yield StringMatch.regex(sm.getSafeRegex().getRegex());
                }
                default -> throw new XdsRejection(res, op + ": unsupported " + sm.getMatchPatternCase()
                        + " (supported: exact, prefix, safe_regex)");
            });
        }
        return new CorsPolicy(origins, c.getAllowMethods(), c.getAllowHeaders(), c.getExposeHeaders(), c.getMaxAge(),
                c.hasAllowCredentials() && c.getAllowCredentials().getValue());
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        return FILTER;
    }
}
