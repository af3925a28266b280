package dev.lattice.proxy.filter.ratelimit;

import com.google.protobuf.Any;
import dev.lattice.api.filters.http.ratelimit.v1.RateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.RateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.api.filters.http.ratelimit.v1.Selector;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lattice's local rate-limit filter ({@code lattice.filters.http.ratelimit.v1.RateLimit} in {@code http_filters},
 * each governed route's {@code RateLimitPerRoute} in its {@code typed_per_filter_config}; docs/xds.md "Rate limits"):
 * the route's rules are checked in order against per-proxy token buckets ({@link TokenBucket}); over a limit, 429 with
 * {@code Retry-After}, {@code RateLimit-Policy} and {@code RateLimit}. A route without a policy passes.
 */
public final class RateLimitHttpFilterFactory implements HttpFilterFactory {
    static final String TYPE_URL = "type.googleapis.com/lattice.filters.http.ratelimit.v1.RateLimit";
    static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/lattice.filters.http.ratelimit.v1.RateLimitPerRoute";

    private static final HttpFilter FILTER = new HttpFilter() {
        @Override
        public LocalReply onRequestHeaders(RequestView request) {
            return null;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
            return routeConfig instanceof RouteLimits l ? l.check(request) : null;
        }
    };

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        return HttpFilterFactory.unpack(resource, path, typedConfig, RateLimit.class);
    }

    @Override
    public String perRouteTypeUrl() {
        return PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        RateLimitPerRoute c = HttpFilterFactory.unpack(resource, path, typedConfig, RateLimitPerRoute.class);
        return compile(resource, path, c);
    }

    static RouteLimits compile(String resource, String path, RateLimitPerRoute c) throws XdsRejection {
        if (c.getPolicy().isEmpty()) throw new XdsRejection(resource, path + ".policy: required");
        List<LimitRule> rules = new ArrayList<>();
        for (int i = 0; i < c.getRulesCount(); i++) {
            Rule r = c.getRules(i);
            RuleParts parts = ruleParts(resource, path + ".rules[" + i + "]", r);
            List<LimitRule.Sel> sels = parts.selectors();
            boolean distinct = parts.distinct();
            String sig = parts.signature();
            long capacity = r.getRequests() + r.getBurst();
            String key = c.getPolicy() + "\u0000" + i + "\u0000" + r.getRequests() + "/" + r.getUnitSeconds() + "+" + r.getBurst() + "\u0000" + sig;
            String name = c.getPolicy() + "/" + i;
            String nameField = "\"" + name + "\"";
            String policyField = nameField + ";q=" + r.getRequests() + ";w=" + r.getUnitSeconds();
            rules.add(new LimitRule(policyField, nameField, sels,
                    distinct ? null : Buckets.single(key, r.getRequests(), r.getUnitSeconds(), capacity),
                    distinct ? Buckets.distinct(key, r.getRequests(), r.getUnitSeconds(), capacity) : null,
                    Buckets.counters(c.getPolicy(), Integer.toString(i))));
        }
        return new RouteLimits(c.getPolicy(), c.getBroken(), rules);
    }

    /** A rule's compiled selectors, whether one of them is Distinct, and a signature of them (for bucket keys). */
    record RuleParts(List<LimitRule.Sel> selectors, boolean distinct, String signature) {}

    /** The parts of one rule (local or global), or rejected naming {@code rp}'s field. */
    static RuleParts ruleParts(String resource, String rp, Rule r) throws XdsRejection {
        if (r.getRequests() < 1) throw new XdsRejection(resource, rp + ".requests: must be at least 1");
        if (r.getUnitSeconds() < 1) throw new XdsRejection(resource, rp + ".unit_seconds: must be at least 1");
        List<LimitRule.Sel> sels = new ArrayList<>();
        boolean distinct = false;
        StringBuilder sig = new StringBuilder();
        for (int j = 0; j < r.getSelectorsCount(); j++) {
            Selector s = r.getSelectors(j);
            sels.add(selector(resource, rp + ".selectors[" + j + "]", s));
            distinct |= s.getDistinct();
            sig.append(s.getSource()).append(',').append(s.getName()).append(',').append(s.getDistinct()).append(',')
                    .append(s.getValue()).append(',').append(s.getPathPrefix()).append(';');
        }
        return new RuleParts(sels, distinct, sig.toString());
    }

    /** One selector of a rule (local or global) compiled, or rejected naming {@code sp}'s field. */
    static LimitRule.Sel selector(String resource, String sp, Selector s) throws XdsRejection {
        byte[] net = null;
        int bits = 0;
        switch (s.getSource()) {
            case HEADER -> {
                if (s.getName().isEmpty()) throw new XdsRejection(resource, sp + ".name: required for HEADER");
                if (!s.getDistinct() && s.getValue().isEmpty()) throw new XdsRejection(resource, sp + ".value: required unless distinct");
            }
            case PRINCIPAL -> {
                if (!s.getDistinct() && s.getValue().isEmpty()) throw new XdsRejection(resource, sp + ".value: required unless distinct");
            }
            case JWT_CLAIM -> {
                if (s.getName().isEmpty()) throw new XdsRejection(resource, sp + ".name: required for JWT_CLAIM");
                if (!s.getDistinct() && s.getValue().isEmpty()) throw new XdsRejection(resource, sp + ".value: required unless distinct");
            }
            case PATH -> {
                if (!s.getValue().startsWith("/")) throw new XdsRejection(resource, sp + ".value: a path starting with /");
                if (s.getDistinct()) throw new XdsRejection(resource, sp + ".distinct: not supported for PATH");
            }
            case SOURCE_CIDR -> {
                String v = s.getValue();
                int slash = v.indexOf('/');
                try {
                    net = InetAddress.ofLiteral(slash < 0 ? v : v.substring(0, slash)).getAddress();
                    bits = slash < 0 ? net.length * 8 : Integer.parseInt(v.substring(slash + 1));
                } catch (IllegalArgumentException e) {
                    throw new XdsRejection(resource, sp + ".value: not a CIDR: " + v);
                }
                if (bits < 0 || bits > net.length * 8) throw new XdsRejection(resource, sp + ".value: bad prefix length: " + v);
            }
            default -> throw new XdsRejection(resource, sp + ".source: unsupported " + s.getSource());
        }
        return new LimitRule.Sel(s.getSource(), s.getName(), s.getDistinct(), s.getValue(), s.getPathPrefix(), net, bits);
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        Buckets.bind(metrics);
        return FILTER;
    }
}
