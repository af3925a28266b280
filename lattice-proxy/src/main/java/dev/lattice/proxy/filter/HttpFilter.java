package dev.lattice.proxy.filter;

/**
 * One HTTP filter of a connection manager, compiled for one filter chain (off the event loops, immutable, shared by
 * every stream of the chain). The connection manager calls the filters of a chain in their {@code http_filters}
 * order on each request's headers, before the route is chosen; the first local reply answers the request and it
 * never reaches the router. A chain without filters pays nothing: its filter array is null.
 */
public interface HttpFilter {
    /** The request's headers have arrived: null to let the request go on, or the local reply that answers it. */
    LocalReply onRequestHeaders(RequestView request);
}
