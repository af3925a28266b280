package dev.lattice.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;

/**
 * What an HTTP filter may look at in one request, for its decision: the connection manager implements it over its stream (no copy needed). Every
 * method is called only when a policy needs it, so an implementation may compute lazily.
 */
public interface RequestView {
    /** The request method, e.g. {@code GET}. */
    String method();

    /** The path without the query ({@code /a/b} of {@code /a/b?c}). */
    String path();

    /** The path with the query, as the request line has it ({@code :path}). */
    String pathAndQuery();

    /** The {@code :authority} / Host, as sent. */
    String authority();

    /** The port the connection reached on this proxy (the listener's). */
    int destinationPort();

    /** The peer of the downstream connection. */
    InetAddress directRemoteAddress();

    /** The original client, from trusted forwarding headers; the direct peer when there are none. */
    InetAddress remoteAddress();

    /** The peer's verified SPIFFE ID (mTLS), or null on a plaintext connection or without a SPIFFE ID. */
    String principal();

    /** The SNI of the downstream TLS connection, or null. */
    String requestedServerName();

    /**
     * Every value of a request header joined by {@code ","} (as Envoy does for matching), or null when absent.
     * {@code name} is lower case; pseudo-headers are not asked for here.
     */
    CharSequence header(String name);

    /**
     * Pauses the request for an asynchronous decision (a remote check such as a global rate limit): the filter calls
     * this from {@code onRequestHeaders}, returns {@link LocalReply#PAUSE}, and later calls the handle's
     * {@code proceed} or {@code reply} from any thread. Reading from the client stops meanwhile (what body arrives is
     * held, then sent on). The view itself is only valid during {@code onRequestHeaders}: copy what the check needs.
     */
    default FilterCallbacks pause() {
        throw new UnsupportedOperationException("this request cannot be paused");
    }

    /** Whether the downstream connection is TLS (the scheme a redirect keeps). */
    default boolean secure() {
        return requestedServerName() != null;
    }

    /**
     * The request's headers as they will go upstream, to change (route filters: header modifiers, rewrites). Only the
     * proxy's own streams have them.
     */
    default HttpHeaders upstreamHeaders() {
        throw new UnsupportedOperationException("this request cannot be changed");
    }

    /** Replaces the path and query sent upstream (a URL rewrite); {@link #path()} and the rest follow. */
    default void setPathAndQuery(String pathAndQuery) {
        throw new UnsupportedOperationException("this request cannot be changed");
    }

    /**
     * How many header fields the request has (each value of a repeated name counts; pseudo-headers do not), as the
     * codec decoded them.
     */
    default int headerCount() {
        throw new UnsupportedOperationException("this request has no header counts");
    }

    /** The bytes of the request's header fields: the sum of each field's name and value lengths. */
    default long headerBytes() {
        throw new UnsupportedOperationException("this request has no header counts");
    }

    /**
     * Caps the request body at {@code maxBytes}, enforced by the connection manager as the body streams (nothing is
     * buffered for it): a body that crosses the cap resets the upstream request and is answered 413 when no response
     * has started yet (the connection or stream is reset otherwise). False when more than {@code maxBytes} has
     * already been received (the filter answers 413 itself).
     */
    default boolean limitBody(long maxBytes) {
        throw new UnsupportedOperationException("this request has no stream");
    }

    /**
     * Pauses the request until its whole body has arrived (at most the cap set with {@link #limitBody}, which must be
     * set first; a body over it is answered 413), then calls {@code callback} on the stream's event loop with the
     * body: null from it lets the request go on (the body then goes upstream as it was received), a reply answers it.
     * Reading from the client goes on meanwhile (up to the cap). The filter returns {@link LocalReply#PAUSE}.
     */
    default void bufferBody(BodyCallback callback) {
        throw new UnsupportedOperationException("this request cannot be buffered");
    }

    /** What {@link #bufferBody} calls once the body is complete. */
    interface BodyCallback {
        /**
         * {@code body}: the whole request body (possibly empty), valid only during the call. Null: go on; else the
         * reply.
         */
        LocalReply onBody(io.netty.buffer.ByteBuf body);
    }

    /** Follows the rest of this stream with {@code filter} (see {@link StreamFilter}). */
    default void observe(StreamFilter filter) {
        throw new UnsupportedOperationException("this request has no stream");
    }

    /**
     * Asks the router for endpoint {@code endpoint} of target {@code target} of the matched route, instead of its
     * weighted pick and balancer (session persistence). Only for a route-level filter of a forwarding route.
     */
    default void pinUpstream(int target, int endpoint) {
        throw new UnsupportedOperationException("this request has no upstream");
    }

    /**
     * Sends a copy of this request (its headers as they are now, and its body) to {@code cluster}, whose answer is
     * dropped; a cluster that is not defined or has no endpoints is counted as a dropped mirror.
     */
    default void mirror(String cluster) {
        throw new UnsupportedOperationException("this request has no upstream");
    }
}
