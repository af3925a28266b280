package dev.lattice.proxy.config;

/**
 * How a listener treats slow and abusive clients (issue #7, ClientTrafficPolicy): a connection whose request head has
 * not all arrived within {@code requestHeadersTimeoutMillis} is closed (HTTP/1.1 with a {@code 408}), a connection
 * with no request in flight for {@code idleTimeoutMillis} is closed (HTTP/2 with a GOAWAY first); {@code 0} disables
 * either. {@code maxConcurrentStreams} is the HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the proxy announces.
 */
public record ClientTraffic(long requestHeadersTimeoutMillis, long idleTimeoutMillis, int maxConcurrentStreams) {
    /** Envoy's idle timeout (1 h); 10 s for the request head (Envoy Gateway's and issue #7's default). */
    public static final long DEFAULT_REQUEST_HEADERS_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 3_600_000;
    /** The proxy's announced HTTP/2 stream limit when the config names none. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 1024;
    /** What every listener gets when its config names nothing: bootstrap listeners, static configs. */
    public static final ClientTraffic DEFAULTS = new ClientTraffic(DEFAULT_REQUEST_HEADERS_TIMEOUT_MILLIS,
            DEFAULT_IDLE_TIMEOUT_MILLIS, DEFAULT_MAX_CONCURRENT_STREAMS);

    public ClientTraffic {
        if (requestHeadersTimeoutMillis < 0) {
            throw new IllegalArgumentException("requestHeadersTimeoutMillis must be >= 0, got " + requestHeadersTimeoutMillis);
        }
        if (idleTimeoutMillis < 0) {
            throw new IllegalArgumentException("idleTimeoutMillis must be >= 0, got " + idleTimeoutMillis);
        }
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams must be >= 1, got " + maxConcurrentStreams);
        }
    }
}
