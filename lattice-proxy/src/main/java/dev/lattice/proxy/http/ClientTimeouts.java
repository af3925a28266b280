package dev.lattice.proxy.http;

import dev.lattice.proxy.config.ClientTraffic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A downstream connection's request-head and idle timers (ClientTrafficPolicy {@code requestHeadersTimeout} and
 * {@code idleTimeout}), on the connection's event loop.
 *
 * <p>The head timer runs from the moment the connection is opened (the handler is added in front of protocol
 * detection: at accept for a plain listener, after the TLS handler for a TLS chain) until the first request's head has
 * all arrived (HTTP/1.1: the decoder produced the request; HTTP/2: the first stream was opened by its HEADERS), and on
 * an HTTP/1.1 keep-alive connection again from the first byte of each next request until its head is complete. On
 * expiry the connection is closed; an HTTP/1.1 client that had sent bytes first gets {@code 408 Request Timeout} with
 * {@code connection: close}, as Envoy answers. The idle timer runs whenever no request is in flight (from the open, and
 * from the end of each response, or the close of the last HTTP/2 stream); on expiry the connection is closed (HTTP/2:
 * the codec sends GOAWAY first). A request head that has begun but not ended is no request in flight: as in Envoy,
 * the idle timer still runs then (it is what ends a slow head when the head timeout is disabled). A WebSocket upgrade ({@code 101}) ends both timers: the tunnel is a request in flight.
 *
 * <p>One pending scheduled task serves both timers: re-arming only moves a deadline field, and the task, when it finds
 * nothing expired, re-schedules itself at the earliest deadline but at most one period (the head timeout for HTTP/1.1,
 * else the idle timeout) ahead, so a busy keep-alive connection allocates no timer per request.
 */
public final class ClientTimeouts extends ChannelDuplexHandler {
    private static final byte[] TIMEOUT_408 = ("HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n"
            + "connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final long headNanos;
    private final long idleNanos;
    private final Runnable fire = this::fire;
    private ChannelHandlerContext ctx;
    /** Deadlines in the executor's ticker nanos; 0 when not armed. */
    private long headDeadline;
    private long idleDeadline;
    private Future<?> pending;
    private long pendingAt;
    /** Requests (HTTP/1.1) or streams (HTTP/2) in flight. */
    private int active;
    private boolean h2;
    private boolean bytesSeen;
    private boolean started;
    private boolean done;

    public ClientTimeouts(ClientTraffic config) {
        this.headNanos = TimeUnit.MILLISECONDS.toNanos(config.requestHeadersTimeoutMillis());
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMillis());
    }

    /** The handler that follows an HTTP/1.1 connection's requests and responses: add it right after the codec. */
    ChannelDuplexHandler http1() {
        return new Http1();
    }

    /** The connection speaks HTTP/2: the head timer ends with the first stream, not with each request. */
    void h2() {
        h2 = true;
    }

    /** An HTTP/2 stream was opened (its HEADERS arrived). */
    void streamOpened() {
        if (done) return;
        headDeadline = 0;
        idleDeadline = 0;
        active++;
    }

    /** An HTTP/2 stream was closed. */
    void streamClosed() {
        if (done || active == 0) return;
        if (--active == 0) armIdle();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!started && !done) start();
        ctx.fireChannelActive();
    }

    private void start() {
        started = true;
        if (headNanos > 0) headDeadline = now() + headNanos;
        armIdle();
        schedule();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!done && msg instanceof ByteBuf b && b.isReadable()) {
            bytesSeen = true;
            if (!h2 && active == 0 && headDeadline == 0 && headNanos > 0) {
                // the first byte of the next request on a keep-alive connection
                headDeadline = now() + headNanos;
                schedule();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        done = true;
        headDeadline = 0;
        idleDeadline = 0;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void armIdle() {
        if (idleNanos > 0) {
            idleDeadline = now() + idleNanos;
            schedule();
        }
    }

    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    /** Makes sure a task is pending at or before the earliest deadline. */
    private void schedule() {
        long next = earliest();
        if (next == 0 || done || ctx == null) return;
        if (pending != null) {
            if (pendingAt <= next) return;
            pending.cancel(false);
        }
        pendingAt = next;
        pending = ctx.executor().schedule(fire, Math.max(0, next - now()), TimeUnit.NANOSECONDS);
    }

    private long earliest() {
        if (headDeadline == 0) return idleDeadline;
        if (idleDeadline == 0) return headDeadline;
        return Math.min(headDeadline, idleDeadline);
    }

    private void fire() {
        pending = null;
        if (done) return;
        long now = now();
        if (headDeadline != 0 && now - headDeadline >= 0) {
            expire(true);
            return;
        }
        if (idleDeadline != 0 && now - idleDeadline >= 0) {
            expire(false);
            return;
        }
        // keep one task ticking at least once a period, so that re-arming never has to cancel and re-schedule
        long period = !h2 && headNanos > 0 ? headNanos : idleNanos;
        long next = earliest();
        if (period > 0 && (next == 0 || next - (now + period) > 0)) next = now + period;
        if (next != 0) {
            pendingAt = next;
            pending = ctx.executor().schedule(fire, Math.max(0, next - now), TimeUnit.NANOSECONDS);
        }
    }

    private void expire(boolean head) {
        stop();
        if (head && !h2 && bytesSeen) {
            // written in front of the codec: nothing else is written on this connection any more
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_408)).addListener(ChannelFutureListener.CLOSE);
        } else {
            // through the whole pipeline: an HTTP/2 codec sends its GOAWAY before the socket closes
            ctx.channel().close();
        }
    }

    /** After the HTTP/1.1 codec: a decoded request head stops the head timer, a written final response ends it. */
    private final class Http1 extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (!done && msg instanceof HttpRequest) {
                headDeadline = 0;
                idleDeadline = 0;
                active++;
            }
            c.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) {
            if (!done) {
                if (msg instanceof HttpResponse r) {
                    int code = r.status().code();
                    if (code == 101) {
                        stop(); // a tunnel from here on
                    } else if (code < 200 && msg instanceof LastHttpContent) {
                        c.write(msg, promise); // an interim response: the request is still in flight
                        return;
                    }
                }
                if (!done && msg instanceof LastHttpContent && active > 0 && --active == 0) {
                    armIdle();
                }
            }
            c.write(msg, promise);
        }
    }
}
