package dev.lattice.proxy.filter;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;

/**
 * A response a filter answers a request with, instead of the upstream: an HTTP status and a short text body. A gRPC
 * request gets it as a trailers-only response with {@code grpcStatus} (Envoy's mapping of the HTTP status: 401
 * UNAUTHENTICATED 16, 403 PERMISSION_DENIED 7, 429 UNAVAILABLE 14) and the body as {@code grpc-message}, unless
 * {@code grpcStatus} is 0 ({@link #http}). {@code headers} (may be null) go on the reply. Made once, when a filter is
 * compiled, unless it depends on the request.
 */
public record LocalReply(int status, byte[] body, String message, int grpcStatus, HttpHeaders headers) {
    public LocalReply {
        requireNonNull(body, "body");
        requireNonNull(message, "message");
    }

    public LocalReply(int status, byte[] body, String message, int grpcStatus) {
        this(status, body, message, grpcStatus, null);
    }

    /**
     * A reply that is plain HTTP for every client, gRPC or not (a redirect, a CORS preflight): {@code status} with
     * {@code headers} and no body. Made per request when its headers depend on it.
     */
    public static LocalReply http(int status, HttpHeaders headers) {
        return new LocalReply(status, new byte[0], "", 0, headers);
    }

    /**
     * Not a reply: what a filter returns after {@link RequestView#pause()}, to say that it will decide later through
     * the handle pause gave it.
     */
    public static final LocalReply PAUSE = new LocalReply(0, new byte[0], "paused", 0);

    /** A reply with {@code text} as its body (and a trailing newline on the wire, none in {@code grpc-message}). */
    public static LocalReply of(int status, String text) {
        return new LocalReply(status, text.getBytes(StandardCharsets.UTF_8), text, grpcStatus(status));
    }

    static int grpcStatus(int http) {
        return switch (http) {
            case 400 -> 13;
            case 401 -> 16;
            case 403 -> 7;
            case 404 -> 12;
            case 429, 502, 503, 504 -> 14;
            default -> 2;
        };
    }
}
