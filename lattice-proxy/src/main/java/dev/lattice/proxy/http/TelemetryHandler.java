package dev.lattice.proxy.http;

import dev.lattice.proxy.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Telemetry as a filter: sits in front of the {@link DownstreamHandler} and counts each final response as it goes
 * out, by listener, cluster and code class. The router only tells it which pre-bound counters the current exchange
 * uses ({@link #exchange}); interim (1xx) responses are not counted.
 */
final class TelemetryHandler extends ChannelOutboundHandlerAdapter {
    private ProxyMetrics.RequestCounters counters;

    /** The counters of the exchange whose response is next. */
    void exchange(ProxyMetrics.RequestCounters c) {
        counters = c;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            int code = r.status().code();
            ProxyMetrics.RequestCounters c = counters;
            if (c != null && (code >= 200 || code == 101)) {
                counters = null;
                c.count(code);
            }
        }
        ctx.write(msg, promise);
    }
}
