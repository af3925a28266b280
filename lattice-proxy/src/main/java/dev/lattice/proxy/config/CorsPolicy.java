package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A route's CORS policy (Envoy CorsPolicy): allowed origins, and the values the proxy answers with.
 * Empty strings mean "not sent"; {@code maxAge} is the raw Access-Control-Max-Age value.
 */
public record CorsPolicy(List<StringMatch> allowOrigins, String allowMethods, String allowHeaders,
        String exposeHeaders, String maxAge, boolean allowCredentials) {
    public CorsPolicy {
        allowOrigins = List.copyOf(requireNonNull(allowOrigins, "allowOrigins"));
        requireNonNull(allowMethods, "allowMethods");
        requireNonNull(allowHeaders, "allowHeaders");
        requireNonNull(exposeHeaders, "exposeHeaders");
        requireNonNull(maxAge, "maxAge");
    }
}
