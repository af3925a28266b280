package dev.lattice.proxy.cluster;

/**
 * Who an upstream connection or stream works for while it is acquired from an {@link EndpointPool}: the
 * client's exchange ({@link DownstreamHandler}) or a request mirror ({@link MirrorExchange}).
 */
public interface UpstreamOwner {
    /** The pool has a connection (or stream) for exchange {@code forSeq}. */
    void upstreamReady(UpstreamHandler u, long forSeq, boolean reused);

    /** Connecting for exchange {@code forSeq} failed. */
    void upstreamFailed(long forSeq, Throwable cause);

    void upstreamRead(UpstreamHandler u, Object msg);

    void upstreamReadComplete();

    void upstreamWritabilityChanged(UpstreamHandler u);

    /** The upstream connection or stream closed. */
    void upstreamClosed(UpstreamHandler u);
}
