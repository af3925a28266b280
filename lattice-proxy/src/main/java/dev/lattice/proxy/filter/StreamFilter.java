package dev.lattice.proxy.filter;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a filter follows of one stream after its request headers: the request's body and trailers on the way in, the
 * response's headers, body and trailers on the way out, and the stream's end. A filter registers one from
 * {@code onRequestHeaders} with {@link RequestView#observe}: a stateless filter registers a shared instance (nothing is
 * allocated per request), one that must remember something of the request (CORS: the origin; session persistence:
 * the pinned endpoint) registers a small object of its own. A stream nobody observes pays nothing.
 *
 * <p>Every method is called on the stream's event loop. Response headers go to the observers in the reverse order of
 * their registration (the filter that saw the request first sees the response last, as in Envoy's encoder chain).
 * Buffers stay owned by the proxy: retain (or copy) what is kept after the call.
 */
public interface StreamFilter {
    /** A piece of the request body (already received pieces are given at registration); {@code end}: the last. */
    default void onRequestBody(ByteBuf data, boolean end) {}

    /** The request's trailers (only when it has some), after its last body piece. */
    default void onRequestTrailers(HttpHeaders trailers) {}

    /** The upstream's response headers, before they go to the client; {@code response} may be changed. */
    default void onResponseHeaders(ResponseView response) {}

    /** A piece of the response body; {@code end}: the last. */
    default void onResponseBody(ByteBuf data, boolean end) {}

    /** The response's trailers (only when it has some). */
    default void onResponseTrailers(HttpHeaders trailers) {}

    /** The stream is over, answered or not (the client left, a local reply, the end of the response). */
    default void onDone() {}
}
