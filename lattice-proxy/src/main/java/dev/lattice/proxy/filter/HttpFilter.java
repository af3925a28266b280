package dev.lattice.proxy.filter;

/**
 * One HTTP filter of a connection manager, compiled for one filter chain (off the event loops, immutable, shared by
 * every stream of the chain). The connection manager calls the filters of a chain in their {@code http_filters}
 * order on each request's headers, after the route is matched and before it acts (so a filter answers before a 404,
 * a redirect or a direct response, and gets the route's config for it); the first local reply answers the request
 * and it never reaches the router. A chain without filters pays nothing: its filter array is null.
 */
public interface HttpFilter {
    /**
     * The request's headers have arrived: null to let the request go on, the local reply that answers it, or
     * {@link LocalReply#PAUSE} after {@link RequestView#pause()} to decide later.
     */
    LocalReply onRequestHeaders(RequestView request);

    /**
     * The same with the matched route's config for this filter ({@code routeConfig}: what its factory's
     * {@link HttpFilterFactory#parsePerRoute} returned for the route's {@code typed_per_filter_config} entry under
     * this filter's name; null when the route has none, or no route matched). The connection manager calls this one.
     */
    default LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
        return onRequestHeaders(request);
    }
}
