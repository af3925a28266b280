package dev.lattice.proxy.http;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.cluster.EndpointPool;
import dev.lattice.proxy.cluster.LbState;
import dev.lattice.proxy.cluster.LoopState;
import dev.lattice.proxy.cluster.UpstreamHandler;
import dev.lattice.proxy.cluster.UpstreamOwner;
import dev.lattice.proxy.listener.CompiledListener;
import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.router.CompiledRoute;
import dev.lattice.proxy.router.MirrorExchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The connection manager and router for one downstream HTTP/1.1 connection, or one h2 stream (then it sees
 * exactly one exchange). It takes {@link io.netty.handler.codec.http.HttpObject}s, pins the listener's route
 * table, routes, picks a cluster and an endpoint (this loop's balancer), gets a connection from this loop's
 * pool and streams the request up and the response down.
 *
 * <p>Backpressure: when the side written to is not writable, reading from the other side stops
 * (auto-read off) until {@code channelWritabilityChanged} says the write has drained. A pipelined request
 * waits (reading paused) until the response before it is complete.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter implements UpstreamOwner {
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final byte[] BODY_404 = "no route\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY_400 = "bad request\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY_500 = "filter error: a filter paused the request without taking its handle\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY_504 = "upstream request timeout\n".getBytes(StandardCharsets.UTF_8);
    private static final dev.lattice.proxy.filter.LocalReply PAUSE_EXPIRED =
            dev.lattice.proxy.filter.LocalReply.of(504, "filter timeout: a filter did not decide in time");
    /** How long a paused request waits for its filter when its route sets no timeout (the route's otherwise). */
    static final long PAUSE_TIMEOUT_MILLIS = 15_000;
    private static final byte[] BODY_NO_HEALTHY = "no healthy upstream\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY_CONNECT = "upstream connect error or disconnect/reset before headers\n"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY_CLUSTER_NOT_FOUND = "cluster not found\n".getBytes(StandardCharsets.UTF_8);
    private static final int MAX_QUEUED = 64;
    /** Request bodies up to this size are kept for a retry; a bigger one is not retried. */
    static final int MAX_RETRY_BODY = 64 * 1024;
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    final ListenerSlot slot;
    final boolean h2;
    private final TelemetryHandler telemetry;
    private final Runnable timeoutTask = this::onTimeout;
    ChannelHandlerContext ctx;
    private String clientIp;

    // the current exchange
    private long seq;
    private boolean active;
    private boolean closing;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean discardBody;
    private boolean closeAfter;
    private boolean keepAlive;
    private boolean http10;
    private boolean headRequest;
    private boolean expectContinue;
    private boolean waitingUpstream;
    private boolean skipInterim;
    private boolean upstreamReusable;
    private boolean reusedConnection;
    private boolean retried;
    private boolean bodySeen;
    private HttpRequest upstreamRequest;
    List<HttpContent> pending;
    // the request the HTTP filters are deciding on (set only on listeners with filters), and whether one paused it
    private HttpRequest filterRequest;
    private String filterUri;
    private int filterQuery;
    private String filterHost;
    private CompiledListener.Vhost filterVhost;
    private CompiledRoute filterRoute;
    private boolean paused;
    // a filter's cap on the request body (-1: none), the bytes seen against it, and its wait for the whole body
    private long bodyLimit = -1;
    private long bodyBytes;
    private dev.lattice.proxy.filter.RequestView.BodyCallback bodyCallback;
    private PausedExchange bodyPause;
    private static final byte[] BODY_413 = "request body too large\n".getBytes(StandardCharsets.US_ASCII);
    private UpstreamHandler upstream;
    CompiledListener listener;
    private CompiledRoute.Target target;
    private dev.lattice.proxy.metrics.ProxyMetrics.RequestCounters counters;
    LbState lb;
    private EndpointPool pool;
    int endpointIndex;
    private int attempts;
    private long triedMask;
    private long timeoutMillis;
    private ScheduledFuture<?> timeout;
    private ArrayDeque<Object> queued;
    private boolean drainingQueue;
    // the current exchange's route, what its filters follow of it, and its mirrors (all null for a route without them)
    CompiledRoute route;
    /** What the filters see and leave behind for the current exchange: views, observers, mirrors, the pinned endpoint. */
    final StreamFilters streamFilters = new StreamFilters(this);
    private List<HttpContent> retryBody;
    private int retryBodyBytes;
    private int retriesLeft;
    private int retryCount;
    private ScheduledFuture<?> perTry;
    private final Runnable perTryTask = this::onPerTryTimeout;

    DownstreamHandler(ListenerSlot slot, boolean h2, TelemetryHandler telemetry) {
        this.slot = slot;
        this.h2 = h2;
        this.telemetry = telemetry;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ================================================================ downstream events

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (queued != null && !queued.isEmpty() && !drainingQueue) {
            // keep the order: what arrives behind queued (pipelined) messages waits behind them
            enqueue(msg);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (active) {
            if (requestDone) {
                enqueue(msg);
            } else if (msg instanceof HttpContent c) {
                requestContent(c);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpRequest req) {
            startExchange(req);
        } else {
            // content of a request we already answered and closed on, or noise: drop it
            ReferenceCountUtil.release(msg);
        }
    }

    private void enqueue(Object msg) {
        if (h2) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        queued.add(msg);
        if (queued.size() > MAX_QUEUED) {
            closing = true;
            ctx.close();
            return;
        }
        updateDownstreamRead();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamHandler u = upstream;
        if (u != null) {
            u.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamHandler u = upstream;
        if (u != null && ctx.channel().isWritable() && !u.channel.config().isAutoRead()) {
            u.channel.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        abortUpstream();
        streamFilters.endObservers();
        releaseRetryBody();
        active = false;
        if (queued != null) {
            Object m;
            while ((m = queued.poll()) != null) {
                ReferenceCountUtil.release(m);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closing = true;
        ctx.close();
    }

    // ================================================================ the exchange

    private void startExchange(HttpRequest req) {
        seq++;
        active = true;
        requestDone = responseStarted = responseDone = discardBody = closeAfter = paused = false;
        waitingUpstream = skipInterim = reusedConnection = retried = bodySeen = false;
        upstreamReusable = false;
        counters = null;
        target = null;
        route = null;
        retriesLeft = 0;
        retryCount = 0;
        attempts = 0;
        triedMask = 0;
        streamFilters.reset();
        if (bodyLimit >= 0 || bodyCallback != null) {
            bodyLimit = -1;
            bodyCallback = null;
            bodyPause = null;
        }
        CompiledListener l = slot.current;
        listener = l;

        boolean full = req instanceof FullHttpRequest;
        if (req.decoderResult().isFailure()) {
            if (full) {
                ((FullHttpRequest) req).release();
            }
            requestDone = true;
            keepAlive = false;
            http10 = false;
            headRequest = false;
            expectContinue = false;
            localResponse(HttpResponseStatus.BAD_REQUEST, BODY_400, true);
            return;
        }
        HttpHeaders headers = req.headers();
        if (!h2) {
            HttpVersion v = req.protocolVersion();
            http10 = v.majorVersion() == 1 && v.minorVersion() == 0;
            keepAlive = HttpUtil.isKeepAlive(req);
            if (!http10 && !oneHost(headers)) {
                // RFC 9112 3.2: an HTTP/1.1 request without Host, or with more than one, is answered 400
                if (full) ((FullHttpRequest) req).release();
                requestDone = full;
                headRequest = false;
                expectContinue = false;
                localResponse(HttpResponseStatus.BAD_REQUEST, BODY_400, true);
                return;
            }
        } else {
            http10 = false;
            keepAlive = true;
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text());
        }
        headRequest = req.method() == HttpMethod.HEAD;
        expectContinue = !h2 && HttpUtil.is100ContinueExpected(req);

        // a FullHttpRequest (h2 with END_STREAM on HEADERS) becomes a head and a last content
        HttpContent fullBody = null;
        if (full) {
            FullHttpRequest f = (FullHttpRequest) req;
            req = new DefaultHttpRequest(f.protocolVersion(), f.method(), f.uri(), f.headers());
            if (f.content().isReadable()) {
                fullBody = new io.netty.handler.codec.http.DefaultLastHttpContent(f.content(), f.trailingHeaders());
            } else {
                f.release();
                fullBody = LastHttpContent.EMPTY_LAST_CONTENT;
            }
        }

        String uri = req.uri();
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            if (!absoluteToOrigin(req, uri)) {
                ReferenceCountUtil.release(fullBody);
                requestDone = fullBody != null;
                localResponse(HttpResponseStatus.BAD_REQUEST, BODY_400, true);
                return;
            }
            uri = req.uri();
        }
        if (fullBody != null) {
            requestDone = true;
            if (fullBody.content().isReadable()) {
                bodySeen = true;
            }
            pending = new ArrayList<>(1);
            pending.add(fullBody);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        CompiledListener.Vhost vhost = l.selectVhost(l.normaliseHost(host));
        int q = uri.indexOf('?');
        int pathEnd = q < 0 ? uri.length() : q;
        CompiledRoute route = vhost == null ? null : CompiledListener.match(vhost, req.method().name(), uri, pathEnd, host, headers);
        if (l.httpFilters != null) {
            // the filters run after the route is matched and before it acts, each with the route's config for it
            filterRequest = req;
            filterUri = uri;
            filterQuery = q;
            filterHost = host;
            filterVhost = vhost;
            filterRoute = route;
            if (!runFilters(0)) return; // answered, or paused until a filter's check is done
        }
        routeRequest(l, req, headers, uri, host, vhost, route, pathEnd);
    }

    /**
     * Runs the filters from {@code from} on the request saved in the filter fields: true when all let it go on; false
     * when one answered it or paused it (then {@link PausedExchange} goes on later).
     */
    private boolean runFilters(int from) {
        CompiledListener l = listener;
        dev.lattice.proxy.filter.HttpFilter[] filters = l.httpFilters;
        HttpRequest req = filterRequest;
        HttpHeaders headers = req.headers();
        java.util.Map<String, Object> perRoute = filterRoute == null ? null : filterRoute.config.filterConfigs();
        if (perRoute != null && perRoute.isEmpty()) perRoute = null;
        StreamFilters.View v = streamFilters.view();
        v.set(req, filterUri, filterQuery, filterHost);
        for (int i = from; i < filters.length; i++) {
            Object rc = perRoute == null ? null : perRoute.get(l.httpFilterNames[i]);
            dev.lattice.proxy.filter.LocalReply r = filters[i].onRequestHeaders(v, rc);
            if (r == null) continue;
            PausedExchange p = v.paused;
            v.clear();
            if (r == dev.lattice.proxy.filter.LocalReply.PAUSE) {
                if (p == null) {
                    // a filter that pauses without taking the handle could never be resumed
                    localResponse(HttpResponseStatus.INTERNAL_SERVER_ERROR, BODY_500, false);
                    return false;
                }
                p.next = i + 1;
                paused = true;
                long wait = filterRoute != null && filterRoute.timeoutMillis > 0 ? filterRoute.timeoutMillis : PAUSE_TIMEOUT_MILLIS;
                p.deadline = ctx.executor().schedule(p::expire, wait, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (bodyCallback != null && requestDone) deliverBody();
                updateDownstreamRead();
                return false;
            }
            filterReply(r, headers);
            return false;
        }
        v.clear();
        return true;
    }

    /** What a paused filter resumes: bound to the exchange it paused, so a late or second call does nothing. */
    /** A pause handle for the current exchange (what {@link dev.lattice.proxy.filter.RequestView#pause()} gives). */
    PausedExchange newPause() {
        return new PausedExchange();
    }

    final class PausedExchange implements dev.lattice.proxy.filter.FilterCallbacks {
        final long exchange = seq;
        int next;
        /** Answers 504 when the filter has not decided by then (on the stream's event loop). */
        ScheduledFuture<?> deadline;
        private final java.util.concurrent.atomic.AtomicBoolean called = new java.util.concurrent.atomic.AtomicBoolean();

        void expire() {
            if (called.compareAndSet(false, true)) resume(this, PAUSE_EXPIRED);
        }

        @Override
        public void proceed() {
            if (called.compareAndSet(false, true)) ctx.executor().execute(() -> resume(this, null));
        }

        @Override
        public void reply(dev.lattice.proxy.filter.LocalReply reply) {
            java.util.Objects.requireNonNull(reply, "reply");
            if (called.compareAndSet(false, true)) ctx.executor().execute(() -> resume(this, reply));
        }
    }

    /** A filter caps the request body ({@link dev.lattice.proxy.filter.RequestView#limitBody}). */
    boolean limitBody(long maxBytes) {
        long seen = 0;
        List<HttpContent> p = pending;
        if (p != null) {
            for (HttpContent c : p) seen += c.content().readableBytes();
        }
        bodyLimit = bodyLimit < 0 ? maxBytes : Math.min(bodyLimit, maxBytes);
        bodyBytes = seen;
        return seen <= bodyLimit;
    }

    /** A filter waits for the whole body ({@link dev.lattice.proxy.filter.RequestView#bufferBody}). */
    void bufferBody(dev.lattice.proxy.filter.RequestView.BodyCallback cb, PausedExchange p) {
        if (bodyLimit < 0) throw new IllegalStateException("bufferBody needs limitBody first");
        bodyCallback = cb;
        bodyPause = p;
        if (expectContinue && !requestDone) {
            // the client waits for 100 before it sends the body the filter waits for
            expectContinue = false;
            filterRequest.headers().remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
    }

    /** The body a filter waits for is complete (all of it is in {@code pending}): hand it over, then go on or reply. */
    private void deliverBody() {
        dev.lattice.proxy.filter.RequestView.BodyCallback cb = bodyCallback;
        PausedExchange p = bodyPause;
        bodyCallback = null;
        bodyPause = null;
        List<HttpContent> parts = pending;
        io.netty.buffer.CompositeByteBuf body = ctx.alloc().compositeBuffer(parts == null ? 1 : Math.max(1, parts.size()));
        dev.lattice.proxy.filter.LocalReply r;
        try {
            if (parts != null) {
                for (HttpContent c : parts) {
                    if (c.content().isReadable()) body.addComponent(true, c.content().retainedDuplicate());
                }
            }
            r = cb.onBody(body);
        } catch (RuntimeException e) {
            r = FILTER_FAILED;
        } finally {
            body.release();
        }
        if (r == null) p.proceed();
        else p.reply(r);
    }

    private static final dev.lattice.proxy.filter.LocalReply FILTER_FAILED =
            dev.lattice.proxy.filter.LocalReply.of(500, "filter error: the body check failed");

    /** The body crossed a filter's cap: 413 when nothing was answered yet, else the stream is reset. */
    private void bodyTooLarge(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        c.release();
        requestDone = last;
        PausedExchange bp = bodyPause;
        if (bp != null && bp.deadline != null) bp.deadline.cancel(false);
        bodyCallback = null;
        bodyPause = null;
        if (paused) {
            paused = false; // a late proceed or reply of the pausing filter does nothing now
        }
        if (responseStarted) {
            abortUpstream();
            abortDownstream();
            return;
        }
        localResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, BODY_413, true);
    }

    private void resume(PausedExchange p, dev.lattice.proxy.filter.LocalReply reply) {
        if (closing || !active || !paused || seq != p.exchange) return; // the client left, or the stream is over
        paused = false;
        if (p.deadline != null) p.deadline.cancel(false);
        HttpRequest req = filterRequest;
        if (reply != null && reply != dev.lattice.proxy.filter.LocalReply.PAUSE) {
            filterRequest = null;
            filterRoute = null;
            filterVhost = null;
            filterReply(reply, req.headers());
        } else if (runFilters(p.next)) {
            String uri = filterUri;
            routeRequest(listener, req, req.headers(), uri, filterHost, filterVhost, filterRoute,
                    filterQuery < 0 ? uri.length() : filterQuery);
        }
        updateDownstreamRead();
        if (!closing) ctx.flush();
    }

    /** After the filters: the route acts (421/404, direct responses, redirects, CORS, then the upstream). */
    private void routeRequest(CompiledListener l, HttpRequest req, HttpHeaders headers, String uri, String host,
                              CompiledListener.Vhost vhost, CompiledRoute route, int pathEnd) {
        filterRequest = null;
        filterRoute = null;
        filterVhost = null;
        if (vhost == null) {
            if (l.tls) {
                localResponse(HttpResponseStatus.MISDIRECTED_REQUEST, CompiledListener.BODY_421, false);
                return;
            }
            noRoute(headers);
            return;
        }
        if (route == null) {
            noRoute(headers);
            return;
        }
        if (route.direct) {
            localResponse(HttpResponseStatus.valueOf(route.directStatus), route.directBody, false);
            return;
        }
        this.route = route;
        if (route.filters != null && !runRouteFilters(route.filters, req, uri, pathEnd, host)) return;
        if (route.targets == null) {
            // a redirect route's filter always answers
            localResponse(HttpResponseStatus.INTERNAL_SERVER_ERROR, BODY_500, false);
            return;
        }
        int pinned = streamFilters.pinnedTarget;
        CompiledRoute.Target t = pinned >= 0 ? route.targets[pinned] : pickTarget(route);
        target = t;
        counters = t.counters();
        if (t.filters() != null && !runRouteFilters(t.filters(), req, uri, pathEnd, host)) return;
        ClusterRuntime cluster = t.cluster();
        if (cluster == null) {
            localResponse(HttpResponseStatus.valueOf(route.clusterNotFoundStatus), BODY_CLUSTER_NOT_FOUND, false);
            return;
        }
        if (cluster.endpoints.length == 0) {
            localResponse(HttpResponseStatus.SERVICE_UNAVAILABLE, BODY_NO_HEALTHY, false);
            return;
        }
        if (!h2 && l.websocket && WebSocketTunnelHandler.isUpgrade(headers)) {
            WebSocketTunnelHandler.handOff(ctx, slot, cluster, l.runtime.generation, req, telemetry, counters, clientIp());
            return;
        }
        timeoutMillis = route.timeoutMillis;
        prepareUpstreamRequest(req, headers);
        if (t.upstreamFilters() != null && !runRouteFilters(t.upstreamFilters(), req, uri, pathEnd, host)) return;
        if (route.retry != null) {
            retriesLeft = route.retry.numRetries;
            retryBody = new ArrayList<>(2);
            retryBodyBytes = 0;
            List<HttpContent> p = pending;
            if (p != null) {
                for (HttpContent c : p) {
                    keepForRetry(c);
                }
            }
        }
        upstreamRequest = req;
        if (expectContinue) {
            headers.remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
        lb = LoopState.get(ctx.channel().eventLoop(), slot.upstreamChannelClass).balancer(cluster, l.runtime.generation);
        int pinnedEndpoint = streamFilters.pinnedEndpoint;
        endpointIndex = pinnedEndpoint >= 0 && pinnedEndpoint < lb.pools.length ? pinnedEndpoint : lb.pick();
        tryEndpoint(false);
    }

    /** Exactly one Host field line (its value may be empty, as RFC 9112 allows for an authority-less URI). */
    private static boolean oneHost(HttpHeaders headers) {
        java.util.Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.HOST);
        if (!it.hasNext()) return false;
        it.next();
        return !it.hasNext();
    }

    /**
     * Runs a route's or a backend's filters on the request: true when all let it go on; false when one answered it
     * (route filters do not pause: they decide from the request alone).
     */
    private boolean runRouteFilters(dev.lattice.proxy.filter.HttpFilter[] filters, HttpRequest req, String uri, int pathEnd,
            String host) {
        StreamFilters.View v = streamFilters.view();
        v.set(req, uri, pathEnd == uri.length() ? -1 : pathEnd, host);
        try {
            for (dev.lattice.proxy.filter.HttpFilter f : filters) {
                dev.lattice.proxy.filter.LocalReply r = f.onRequestHeaders(v, null);
                if (r == null) continue;
                if (r == dev.lattice.proxy.filter.LocalReply.PAUSE) {
                    localResponse(HttpResponseStatus.INTERNAL_SERVER_ERROR, BODY_500, false);
                } else {
                    filterReply(r, req.headers());
                }
                return false;
            }
            return true;
        } finally {
            v.clear();
        }
    }

    /** A filter's local reply; a gRPC request gets it trailers-only, with the reply's grpc-status. */
    private void filterReply(dev.lattice.proxy.filter.LocalReply r, HttpHeaders headers) {
        if (r.grpcStatus() == 0) {
            // plain HTTP for every client (a redirect, a CORS preflight)
            localResponse(HttpResponseStatus.valueOf(r.status()), r.body(), false, r.headers());
            return;
        }
        String ct = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16)) {
            HttpHeaders extra = new io.netty.handler.codec.http.DefaultHttpHeaders();
            extra.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
            extra.setInt(GRPC_STATUS, r.grpcStatus());
            extra.set(GRPC_MESSAGE, r.message());
            if (r.headers() != null) extra.add(r.headers());
            localResponse(HttpResponseStatus.OK, new byte[0], false, extra);
            return;
        }
        if (r.headers() != null) localResponse(HttpResponseStatus.valueOf(r.status()), r.body(), false, r.headers());
        else localResponse(HttpResponseStatus.valueOf(r.status()), r.body(), false);
    }

    /** No virtual host or route: 404, or for gRPC a trailers-only UNIMPLEMENTED. */
    private void noRoute(HttpHeaders headers) {
        String ct = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (ct == null || !ct.regionMatches(true, 0, "application/grpc", 0, 16)) {
            localResponse(HttpResponseStatus.NOT_FOUND, BODY_404, false);
            return;
        }
        HttpHeaders extra = new io.netty.handler.codec.http.DefaultHttpHeaders();
        extra.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        extra.set(GRPC_STATUS, "12");
        extra.set(GRPC_MESSAGE, "no route for this method");
        localResponse(HttpResponseStatus.OK, new byte[0], false, extra);
    }

    /** Whether the downstream connection is TLS (the scheme a redirect keeps). */
    boolean secure() {
        io.netty.channel.Channel c = ctx.channel();
        io.netty.channel.Channel conn = h2 && c.parent() != null ? c.parent() : c;
        return conn.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    }

    /** Keeps a copy of {@code c} for a retry, or gives up retrying when the body is too big. */
    private void keepForRetry(HttpContent c) {
        List<HttpContent> b = retryBody;
        if (b == null) {
            return;
        }
        int n = c.content().readableBytes();
        if (retryBodyBytes + n > MAX_RETRY_BODY) {
            releaseRetryBody();
            return;
        }
        retryBodyBytes += n;
        b.add(c.retainedDuplicate());
    }

    private void releaseRetryBody() {
        List<HttpContent> b = retryBody;
        if (b != null) {
            retryBody = null;
            for (HttpContent c : b) {
                ReferenceCountUtil.release(c);
            }
        }
    }

    /** Whether the current attempt may be retried now (the request is complete and kept, retries remain). */
    private boolean canRetry() {
        return retriesLeft > 0 && requestDone && retryBody != null && !responseStarted && !closing && active;
    }

    /** Drops the current attempt and tries again after the back-off (a different endpoint, as the balancer picks). */
    private void retry() {
        retriesLeft--;
        retryCount++;
        UpstreamHandler u = upstream;
        upstream = null;
        if (u != null) {
            u.owner = null;
            u.ctx.close();
        }
        waitingUpstream = false;
        releasePoolSlot();
        cancelPerTry();
        long base = route.retry.backOffMillis;
        long interval = Math.min(base << Math.min(retryCount - 1, 10), base * 10);
        long delay = interval + (interval > 1 ? ThreadLocalRandom.current().nextLong(interval / 2 + 1) : 0);
        long s = seq;
        Runnable again = () -> {
            if (s != seq || !active || closing || responseDone) {
                return;
            }
            List<HttpContent> b = retryBody;
            List<HttpContent> p = new ArrayList<>(b.size());
            for (HttpContent c : b) {
                p.add(c.retainedDuplicate());
            }
            releasePending();
            pending = p;
            endpointIndex = lb.pick();
            tryEndpoint(false);
        };
        if (delay <= 0) {
            again.run();
        } else {
            ctx.executor().schedule(again, delay, TimeUnit.MILLISECONDS);
        }
    }

    private static CompiledRoute.Target pickTarget(CompiledRoute route) {
        CompiledRoute.Target[] ts = route.targets;
        if (ts.length == 1) {
            return ts[0];
        }
        int r = route.spread.next(route.totalWeight);
        for (CompiledRoute.Target t : ts) {
            if (r < t.weight()) {
                return t;
            }
            r -= t.weight();
        }
        return ts[ts.length - 1];
    }

    /** {@code http://authority/path?q} to origin form with Host = authority; false when it is not a valid target. */
    private static boolean absoluteToOrigin(HttpRequest req, String uri) {
        if (uri.equals("*")) {
            return true;
        }
        int scheme = uri.indexOf("://");
        if (scheme <= 0) {
            return false;
        }
        for (int i = 0; i < scheme; i++) {
            char c = uri.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        int authStart = scheme + 3;
        int pathStart = authStart;
        while (pathStart < uri.length()) {
            char c = uri.charAt(pathStart);
            if (c == '/' || c == '?' || c == '#') {
                break;
            }
            pathStart++;
        }
        String authority = uri.substring(authStart, pathStart);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        if (authority.isEmpty()) {
            return false;
        }
        String path = pathStart == uri.length() ? "/" : uri.substring(pathStart);
        if (path.charAt(0) == '?') {
            path = "/" + path;
        }
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        req.setUri(path);
        req.headers().set(HttpHeaderNames.HOST, authority);
        return true;
    }

    private void prepareUpstreamRequest(HttpRequest req, HttpHeaders headers) {
        // hop-by-hop headers stay on this hop
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            if (connection.indexOf(',') >= 0 || !isKnownConnectionToken(connection)) {
                for (String token : connection.split(",")) {
                    String t = token.trim();
                    if (!t.isEmpty()) {
                        headers.remove(t);
                    }
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.UPGRADE);
        // TE is hop-by-hop, but "trailers" says the client takes trailers: kept, as Envoy does (gRPC servers expect it)
        String te = headers.get(HttpHeaderNames.TE);
        if (te != null) {
            if (hasTrailersToken(te)) {
                headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            } else {
                headers.remove(HttpHeaderNames.TE);
            }
        }
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        // x-forwarded-*
        String ip = clientIp();
        String xff = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, xff == null ? ip : xff + ", " + ip);
        if (!headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, listener.tls ? CompiledListener.HTTPS : HTTP);
        }
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (h2 && upstreamRequestNeedsChunked(headers)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    private boolean upstreamRequestNeedsChunked(HttpHeaders headers) {
        // an h2 request with a body but no content-length is framed as chunked towards an HTTP/1.1 upstream
        return (pending == null || bodySeen) && !headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    }

    /** Whether a TE header value lists "trailers" (case-insensitive, between commas, parameters ignored). */
    static boolean hasTrailersToken(String te) {
        for (String token : te.split(",")) {
            String t = token.trim();
            int semi = t.indexOf(';');
            if (semi >= 0) t = t.substring(0, semi).trim();
            if (t.equalsIgnoreCase("trailers")) return true;
        }
        return false;
    }

    private static boolean isKnownConnectionToken(String v) {
        return v.equalsIgnoreCase("keep-alive") || v.equalsIgnoreCase("close");
    }

    private String clientIp() {
        String ip = clientIp;
        if (ip == null) {
            SocketAddress a = h2 && ctx.channel().parent() != null ? ctx.channel().parent().remoteAddress()
                    : ctx.channel().remoteAddress();
            ip = a instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "unknown";
            clientIp = ip;
        }
        return ip;
    }

    private void tryEndpoint(boolean fresh) {
        EndpointPool p = lb.pools[endpointIndex];
        pool = p;
        p.active++;
        waitingUpstream = true;
        p.acquire(this, seq, lb.cluster, fresh);
        if (waitingUpstream) {
            updateDownstreamRead();
        }
    }

    /** The pool has a connection (or stream) for exchange {@code forSeq}. */
    @Override
    public void upstreamReady(UpstreamHandler u, long forSeq, boolean reused) {
        if (forSeq != seq || !waitingUpstream || !active || closing) {
            u.pool.release(u);
            return;
        }
        waitingUpstream = false;
        upstream = u;
        u.owner = this;
        reusedConnection = reused;
        u.write(upstreamRequest);
        List<HttpContent> p = pending;
        if (p != null) {
            for (int i = 0; i < p.size(); i++) {
                u.write(p.get(i));
            }
            pending = null;
        }
        u.flush();
        if (requestDone) {
            startTimeout();
        }
        updateDownstreamRead();
    }

    /** Connecting to the chosen endpoint failed: try the others before answering 503. */
    @Override
    public void upstreamFailed(long forSeq, Throwable cause) {
        if (forSeq != seq || !waitingUpstream || !active || closing) {
            return;
        }
        waitingUpstream = false;
        releasePoolSlot();
        int n = lb.pools.length;
        if (endpointIndex < 64) {
            triedMask |= 1L << endpointIndex;
        }
        attempts++;
        if (attempts < n) {
            int next = endpointIndex;
            for (int i = 0; i < n; i++) {
                next = next + 1 == n ? 0 : next + 1;
                if (next >= 64 || (triedMask & (1L << next)) == 0) {
                    break;
                }
            }
            endpointIndex = next;
            tryEndpoint(false);
            return;
        }
        if (route != null && route.retry != null && route.retry.onConnectFailure && canRetry()) {
            attempts = 0;
            triedMask = 0;
            retry();
            return;
        }
        localResponse(HttpResponseStatus.SERVICE_UNAVAILABLE, BODY_CONNECT, false);
    }

    private void requestContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            // a malformed body (bad chunk framing, too long): answer 400 if we still can, and close either way
            c.release();
            requestDone = true;
            if (responseStarted) {
                abortUpstream();
                abortDownstream();
            } else {
                localResponse(HttpResponseStatus.BAD_REQUEST, BODY_400, true);
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (c.content().isReadable()) {
            bodySeen = true;
        }
        if (discardBody) {
            streamFilters.abortMirrors();
            c.release();
            if (last) {
                requestDone = true;
                if (responseDone) {
                    finishExchange();
                }
            }
            return;
        }
        if (bodyLimit >= 0) {
            bodyBytes += c.content().readableBytes();
            if (bodyBytes > bodyLimit) {
                bodyTooLarge(c);
                return;
            }
        }
        streamFilters.requestContent(c);
        if (retryBody != null) {
            keepForRetry(c);
        }
        UpstreamHandler u = upstream;
        if (u != null) {
            u.write(c);
            if (last) {
                requestDone = true;
                startTimeout();
            }
            if (!u.channel.isWritable()) {
                updateDownstreamRead();
            }
        } else {
            if (pending == null) {
                pending = new ArrayList<>(4);
            }
            pending.add(c);
            if (last) {
                requestDone = true;
                if (bodyCallback != null && paused) deliverBody();
            }
        }
    }

    // ================================================================ upstream events

    @Override
    public void upstreamRead(UpstreamHandler u, Object msg) {
        if (u != upstream) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse resp) {
            int code = resp.status().code();
            if (resp.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                upstreamProtocolError();
                return;
            }
            if (code >= 100 && code < 200 && code != 101) {
                // interim responses (100 Continue, 103) are not forwarded
                skipInterim = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
            CompiledRoute r = route;
            if (r != null && r.retry != null && r.retry.retriable(code) && canRetry()) {
                ReferenceCountUtil.release(msg);
                retry();
                return;
            }
            responseStarted = true;
            cancelPerTry();
            prepareResponse(resp, code, u);
            if (streamFilters.observerCount > 0) {
                streamFilters.responseHeadersToObservers(resp, code);
            }
            telemetry.exchange(counters);
            ctx.write(resp, ctx.voidPromise());
            if (msg instanceof LastHttpContent) {
                responseComplete();
            } else if (!ctx.channel().isWritable()) {
                u.channel.config().setAutoRead(false);
            }
        } else if (msg instanceof HttpContent c) {
            if (skipInterim) {
                c.release();
                if (c instanceof LastHttpContent) {
                    skipInterim = false;
                }
                return;
            }
            if (!responseStarted) {
                c.release();
                return;
            }
            if (c.decoderResult().isFailure()) {
                c.release();
                upstreamProtocolError();
                return;
            }
            if (streamFilters.observerCount > 0) {
                streamFilters.responseBodyTo(c);
            }
            ctx.write(c, ctx.voidPromise());
            if (c instanceof LastHttpContent) {
                responseComplete();
            } else if (!ctx.channel().isWritable()) {
                u.channel.config().setAutoRead(false);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void upstreamReadComplete() {
        ctx.flush();
    }

    @Override
    public void upstreamWritabilityChanged(UpstreamHandler u) {
        if (u == upstream) {
            updateDownstreamRead();
        }
    }

    /** The upstream connection or stream closed. */
    @Override
    public void upstreamClosed(UpstreamHandler u) {
        if (u != upstream) {
            return;
        }
        upstream = null;
        if (responseDone || !active) {
            return;
        }
        releasePoolSlot();
        if (!responseStarted) {
            if (route != null && route.retry != null && route.retry.onReset && canRetry()) {
                retry();
                return;
            }
            boolean policyRetriesResets = route != null && route.retry != null && route.retry.onReset
                    && route.retry.numRetries > 0;
            if (reusedConnection && !retried && requestDone && !bodySeen && !policyRetriesResets) {
                // a pooled connection the upstream had closed before our request reached it: one retry on a new one
                // (not when the route's retry policy covers resets: its num_retries bounds the attempts exactly)
                retried = true;
                releasePending();
                pending = new ArrayList<>(1);
                pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
                cancelTimeout();
                tryEndpoint(true);
                return;
            }
            localResponse(HttpResponseStatus.SERVICE_UNAVAILABLE, BODY_CONNECT, false);
            return;
        }
        // the response was cut: the client must see it fail
        abortDownstream();
    }

    private void upstreamProtocolError() {
        UpstreamHandler u = upstream;
        upstream = null;
        if (u != null) {
            u.owner = null;
            u.ctx.close();
        }
        releasePoolSlot();
        if (!responseStarted) {
            localResponse(HttpResponseStatus.BAD_GATEWAY, BODY_CONNECT, false);
        } else {
            abortDownstream();
        }
    }

    private void prepareResponse(HttpResponse resp, int code, UpstreamHandler u) {
        HttpHeaders h = resp.headers();
        boolean full = resp instanceof FullHttpResponse;
        boolean lengthSet = h.contains(HttpHeaderNames.CONTENT_LENGTH);
        boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
        boolean noBody = headRequest || code == 204 || code == 304;
        if (!u.h2Stream) {
            upstreamReusable = HttpUtil.isKeepAlive(resp) && (lengthSet || chunked || noBody);
        } else {
            h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            h.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        }
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            if (!isKnownConnectionToken(connection)) {
                for (String token : connection.split(",")) {
                    String t = token.trim();
                    if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
                        h.remove(t);
                    }
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        if (h2) {
            return;
        }
        if (full && !lengthSet && !chunked && !headRequest) {
            HttpUtil.setContentLength(resp, ((FullHttpResponse) resp).content().readableBytes());
            lengthSet = true;
        }
        if (http10) {
            resp.setProtocolVersion(HttpVersion.HTTP_1_0);
            if (chunked) {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                closeAfter = true;
            } else if (!lengthSet && !noBody) {
                closeAfter = true;
            }
        } else {
            resp.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!lengthSet && !chunked && !noBody) {
                HttpUtil.setTransferEncodingChunked(resp, true);
            }
        }
        if (!keepAlive || closeAfter) {
            closeAfter = true;
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void responseComplete() {
        responseDone = true;
        ctx.flush();
        cancelTimeout();
        UpstreamHandler u = upstream;
        upstream = null;
        releasePoolSlot();
        if (u != null) {
            u.owner = null;
            if (!u.h2Stream && requestDone && upstreamReusable) {
                u.pool.release(u);
            } else {
                u.ctx.close();
            }
        }
        if (requestDone) {
            finishExchange();
        } else {
            // the upstream answered before the request body ended: drop the rest of it
            discardBody = true;
            if (pending != null) {
                releasePending();
            }
            if (expectContinue) {
                closeAfter = true;
                finishExchange();
            }
        }
    }

    // ================================================================ local answers and endings

    private void localResponse(HttpResponseStatus status, byte[] body, boolean forceClose) {
        localResponse(status, body, forceClose, null);
    }

    private void localResponse(HttpResponseStatus status, byte[] body, boolean forceClose, HttpHeaders extra) {
        telemetry.exchange(counters != null ? counters : listener.localCounters);
        cancelTimeout();
        abortUpstream();
        releasePending();
        responseStarted = true;
        responseDone = true;
        ByteBuf content = body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse r = new DefaultFullHttpResponse(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, status,
                content);
        HttpHeaders h = r.headers();
        if (body.length > 0) {
            h.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (extra != null) {
            h.setAll(extra);
            if (h2 && body.length == 0 && h.contains(GRPC_STATUS)) {
                h.remove(HttpHeaderNames.CONTENT_LENGTH); // trailers-only
            }
        }
        if (!h2) {
            if (forceClose || !keepAlive || (!requestDone && expectContinue)) {
                closeAfter = true;
            }
            if (closeAfter) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        ctx.writeAndFlush(r, ctx.voidPromise());
        if (requestDone || closeAfter) {
            finishExchange();
        } else {
            discardBody = true;
        }
    }

    private void finishExchange() {
        active = false;
        cancelTimeout();
        route = null;
        streamFilters.endObservers();
        releaseRetryBody();
        upstreamRequest = null;
        listener = null;
        target = null;
        counters = null;
        lb = null;
        if (h2) {
            ctx.flush();
            return;
        }
        if (closeAfter) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (queued != null && !queued.isEmpty() && !drainingQueue) {
            drainingQueue = true;
            try {
                Object m;
                while (!closing && (m = queued.peek()) != null && !(active && requestDone)) {
                    queued.poll();
                    dispatch(m);
                }
            } finally {
                drainingQueue = false;
            }
            UpstreamHandler u = upstream;
            if (u != null) {
                u.flush();
            }
        }
        updateDownstreamRead();
    }

    private void abortDownstream() {
        closing = true;
        cancelTimeout();
        streamFilters.endObservers();
        releaseRetryBody();
        releasePending();
        active = false;
        ctx.close();
    }

    private void abortUpstream() {
        waitingUpstream = false;
        UpstreamHandler u = upstream;
        upstream = null;
        if (u != null) {
            u.owner = null;
            u.ctx.close();
        }
        releasePoolSlot();
        releasePending();
        cancelTimeout();
        cancelPerTry();
    }

    private void releasePoolSlot() {
        EndpointPool p = pool;
        if (p != null) {
            p.active--;
            pool = null;
        }
    }

    private void releasePending() {
        List<HttpContent> p = pending;
        if (p != null) {
            pending = null;
            for (HttpContent c : p) {
                ReferenceCountUtil.release(c);
            }
        }
    }

    private void updateDownstreamRead() {
        boolean read;
        if (closing) {
            return;
        } else if (queued != null && !queued.isEmpty()) {
            read = false;
        } else if (active && (waitingUpstream || (paused && bodyCallback == null)) && !requestDone) {
            read = false;
        } else {
            UpstreamHandler u = upstream;
            read = u == null || requestDone || u.channel.isWritable();
        }
        ctx.channel().config().setAutoRead(read);
    }

    // ================================================================ timeout

    private void startTimeout() {
        if (timeoutMillis > 0 && timeout == null && !responseDone) {
            timeout = ctx.executor().schedule(timeoutTask, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        CompiledRoute r = route;
        if (r != null && r.retry != null && r.retry.perTryMillis > 0 && perTry == null && !responseStarted
                && upstream != null) {
            perTry = ctx.executor().schedule(perTryTask, r.retry.perTryMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelPerTry() {
        ScheduledFuture<?> t = perTry;
        if (t != null) {
            perTry = null;
            t.cancel(false);
        }
    }

    /**
     * The backend attempt took too long: retried (as Envoy does) when the policy retries resets or a 504, else 504.
     */
    private void onPerTryTimeout() {
        perTry = null;
        if (!active || responseDone || responseStarted) {
            return;
        }
        if (route != null && (route.retry.onReset || route.retry.retriable(504)) && canRetry()) {
            retry();
            return;
        }
        abortUpstream();
        localResponse(HttpResponseStatus.GATEWAY_TIMEOUT, BODY_504, false);
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            timeout = null;
            t.cancel(false);
        }
    }

    private void onTimeout() {
        timeout = null;
        if (!active || responseDone) {
            return;
        }
        if (!responseStarted) {
            abortUpstream();
            localResponse(HttpResponseStatus.GATEWAY_TIMEOUT, BODY_504, false);
        } else {
            abortUpstream();
            abortDownstream();
        }
    }
}
