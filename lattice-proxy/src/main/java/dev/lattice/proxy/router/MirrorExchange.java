package dev.lattice.proxy.router;

import dev.lattice.proxy.cluster.EndpointPool;
import dev.lattice.proxy.cluster.LbState;
import dev.lattice.proxy.cluster.UpstreamHandler;
import dev.lattice.proxy.cluster.UpstreamOwner;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A copy of one request sent to a mirror cluster on the client's event loop, through that loop's balancer and
 * pools. Its answer is discarded. It never holds the primary back: the body is copied (retained duplicates) as it
 * arrives; while the mirror is not connected (or cannot take more), at most {@link #MAX_BUFFERED} bytes wait,
 * beyond that the copy is dropped and counted in {@link #DROPPED}.
 */
public final class MirrorExchange implements UpstreamOwner {
    static final int MAX_BUFFERED = 1 << 20;
    static final long MAX_LIFETIME_MILLIS = 30_000;
    /** Mirror copies dropped (body too big to buffer, mirror not reachable). */
    public static final LongAdder DROPPED = new LongAdder();
    /** Mirror copies whose request went out completely. */
    static final LongAdder SENT = new LongAdder();

    private final HttpRequest head;
    private final LbState lb;
    private List<HttpContent> buffered = new ArrayList<>(2);
    private int bufferedBytes;
    private boolean requestDone;
    private boolean finished;
    private UpstreamHandler upstream;
    private EndpointPool pool;
    private boolean reusable;
    private ScheduledFuture<?> deadline;

    private MirrorExchange(HttpRequest original, LbState lb) {
        // a copy of the head as it is now: after the request header modifiers, before rewrites
        this.head = new DefaultHttpRequest(original.protocolVersion(), original.method(), original.uri(),
                original.headers().copy());
        this.lb = lb;
    }

    /** Starts a mirror of {@code original} (its head as it is now) to {@code lb}'s cluster. */
    public static MirrorExchange start(HttpRequest original, LbState lb, io.netty.channel.EventLoop loop) {
        MirrorExchange m = new MirrorExchange(original, lb);
        m.deadline = loop.schedule(m::expire, MAX_LIFETIME_MILLIS, TimeUnit.MILLISECONDS);
        EndpointPool p = lb.pools[lb.pick()];
        m.pool = p;
        p.active++;
        p.acquire(m, 1, lb.cluster, false);
        return m;
    }

    /** The next piece of the client's body; {@code c} stays owned by the caller. */
    public void content(HttpContent c) {
        if (finished) {
            return;
        }
        boolean last = c instanceof LastHttpContent;
        UpstreamHandler u = upstream;
        if (u != null && u.channel.isWritable() && buffered.isEmpty()) {
            u.write(c.retainedDuplicate());
            u.flush();
        } else {
            // not connected yet, or the mirror is not taking what it was sent: wait here, bounded
            bufferedBytes += c.content().readableBytes();
            if (bufferedBytes > MAX_BUFFERED) {
                drop();
                return;
            }
            buffered.add(c.retainedDuplicate());
        }
        if (last) {
            requestDone = true;
            SENT.increment();
        }
    }

    /** The client's request ended early (reset, closed): the mirror stops too. */
    public void abort() {
        if (!requestDone) {
            finish(false);
        }
    }

    private void drop() {
        DROPPED.increment();
        finish(false);
    }

    private void expire() {
        deadline = null;
        finish(false);
    }

    private void flushBuffered(UpstreamHandler u) {
        List<HttpContent> b = buffered;
        if (b != null && !b.isEmpty()) {
            for (HttpContent c : b) {
                u.write(c);
            }
            b.clear();
            bufferedBytes = 0;
            u.flush();
        }
    }

    private void finish(boolean keepConnection) {
        if (finished) {
            return;
        }
        finished = true;
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            deadline = null;
            d.cancel(false);
        }
        List<HttpContent> b = buffered;
        buffered = null;
        if (b != null) {
            for (HttpContent c : b) {
                ReferenceCountUtil.release(c);
            }
        }
        EndpointPool p = pool;
        if (p != null) {
            p.active--;
            pool = null;
        }
        UpstreamHandler u = upstream;
        upstream = null;
        if (u != null) {
            u.owner = null;
            if (keepConnection && !u.h2Stream) {
                u.pool.release(u);
            } else {
                u.ctx.close();
            }
        }
    }

    @Override
    public void upstreamReady(UpstreamHandler u, long forSeq, boolean reused) {
        if (finished) {
            u.pool.release(u);
            return;
        }
        upstream = u;
        u.owner = this;
        u.write(head);
        flushBuffered(u);
        u.flush();
    }

    @Override
    public void upstreamFailed(long forSeq, Throwable cause) {
        if (!finished) {
            drop();
        }
    }

    @Override
    public void upstreamRead(UpstreamHandler u, Object msg) {
        if (msg instanceof HttpResponse r) {
            reusable = HttpUtil.isKeepAlive(r) && (HttpUtil.isContentLengthSet(r) || HttpUtil.isTransferEncodingChunked(r));
        }
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last && u == upstream) {
            finish(requestDone && reusable);
        }
    }

    @Override
    public void upstreamReadComplete() {}

    @Override
    public void upstreamWritabilityChanged(UpstreamHandler u) {
        if (u == upstream && u.channel.isWritable()) {
            flushBuffered(u);
        }
    }

    @Override
    public void upstreamClosed(UpstreamHandler u) {
        if (u == upstream) {
            upstream = null;
            finish(false);
        }
    }
}
