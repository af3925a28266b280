package dev.lattice.proxy.http;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.cluster.LbState;
import dev.lattice.proxy.cluster.LoopState;
import dev.lattice.proxy.filter.FilterCallbacks;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.StreamFilter;
import dev.lattice.proxy.router.CompiledRoute;
import dev.lattice.proxy.router.MirrorExchange;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the HTTP filters of one stream see and leave behind (Envoy's filter manager, beside the connection manager
 * {@link DownstreamHandler} that owns the stream): the request view they decide on, the {@link StreamFilter}s that
 * follow the stream (request body and trailers, response headers, body and trailers, the end), the mirrors started for
 * it, and the upstream endpoint a filter pinned. One per handler, reused across its exchanges; a stream no filter
 * follows costs two int checks.
 */
final class StreamFilters {
    private final DownstreamHandler h;
    private StreamFilter[] observers;
    int observerCount;
    private MirrorExchange[] mirrors;
    int mirrorCount;
    /** The target and endpoint a filter pinned the request to (session persistence), else -1. */
    int pinnedTarget = -1;
    int pinnedEndpoint = -1;

    StreamFilters(DownstreamHandler h) {
        this.h = h;
    }

    /** A new exchange starts: nothing pinned (observers and mirrors were ended with the last one). */
    void reset() {
        pinnedTarget = pinnedEndpoint = -1;
    }

    /** The request's body piece goes to the mirrors and the observers. */
    void requestContent(HttpContent c) {
        if (mirrorCount > 0) {
            mirrorContent(c);
        }
        for (int i = 0; i < observerCount; i++) {
            requestBodyTo(observers[i], c);
        }
    }

    private View view;

    View view() {
        View v = view;
        if (v == null) view = v = new View();
        return v;
    }

    private static final io.netty.util.AttributeKey<String> PEER_PRINCIPAL =
            io.netty.util.AttributeKey.valueOf("lattice.peerPrincipal");
    private static final String NO_PRINCIPAL = "";

    /**
     * The request as the HTTP filters see it; one per handler, pointed at the current request's fields while the
     * filters run (nothing is copied). The connection's facts (principal, SNI, addresses) are read once per
     * connection: the principal is the first {@code spiffe://} URI SAN of the verified peer certificate.
     */
    final class View implements RequestView {
        private HttpRequest request;
        private String method;
        private String uri;
        private int query;
        private String host;
        private HttpHeaders headers;

        void set(HttpRequest request, String uri, int query, String host) {
            this.request = request;
            this.method = request.method().name();
            this.uri = uri;
            this.query = query;
            this.host = host;
            this.headers = request.headers();
        }

        /** Set when a filter paused the request during its call. */
        DownstreamHandler.PausedExchange paused;

        void clear() {
            headers = null;
            request = null;
            paused = null;
        }

        private void check() {
            if (headers == null) throw new IllegalStateException("a request view is only valid during onRequestHeaders");
        }

        @Override
        public HttpHeaders upstreamHeaders() {
            check();
            return headers;
        }

        @Override
        public void setPathAndQuery(String pathAndQuery) {
            check();
            request.setUri(pathAndQuery);
            uri = pathAndQuery;
            query = pathAndQuery.indexOf('?');
        }

        @Override
        public boolean secure() {
            return h.secure();
        }

        @Override
        public void observe(StreamFilter f) {
            check();
            addObserver(f);
        }

        @Override
        public void pinUpstream(int target, int endpoint) {
            check();
            CompiledRoute r = h.route;
            if (r == null || r.targets == null || target < 0 || target >= r.targets.length || endpoint < 0) {
                throw new IllegalArgumentException("no target " + target + " on this route");
            }
            pinnedTarget = target;
            pinnedEndpoint = endpoint;
        }

        @Override
        public void mirror(String cluster) {
            check();
            startMirror(cluster, request);
        }

        @Override
        public FilterCallbacks pause() {
            if (headers == null) throw new IllegalStateException("pause() is only valid during onRequestHeaders");
            if (paused == null) paused = h.newPause();
            return paused;
        }

        private io.netty.channel.Channel conn() {
            io.netty.channel.Channel c = h.ctx.channel();
            return h.h2 && c.parent() != null ? c.parent() : c;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String path() {
            return query < 0 ? uri : uri.substring(0, query);
        }

        @Override
        public String pathAndQuery() {
            return uri;
        }

        @Override
        public String authority() {
            return host;
        }

        @Override
        public int destinationPort() {
            return conn().localAddress() instanceof InetSocketAddress a ? a.getPort() : 0;
        }

        @Override
        public java.net.InetAddress directRemoteAddress() {
            return conn().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        }

        @Override
        public java.net.InetAddress remoteAddress() {
            return directRemoteAddress();
        }

        @Override
        public String principal() {
            io.netty.channel.Channel c = conn();
            io.netty.util.Attribute<String> attr = c.attr(PEER_PRINCIPAL);
            String p = attr.get();
            if (p == null) {
                p = peerSpiffeId(c);
                attr.set(p);
            }
            return p == NO_PRINCIPAL ? null : p;
        }

        @Override
        public String requestedServerName() {
            io.netty.handler.ssl.SslHandler ssl = conn().pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (ssl == null) return null;
            javax.net.ssl.SSLSession s = ssl.engine().getSession();
            if (s instanceof javax.net.ssl.ExtendedSSLSession e) {
                for (javax.net.ssl.SNIServerName n : e.getRequestedServerNames()) {
                    if (n instanceof javax.net.ssl.SNIHostName sni) return sni.getAsciiName();
                }
            }
            return null;
        }

        @Override
        public int headerCount() {
            check();
            return headers.size();
        }

        @Override
        public long headerBytes() {
            check();
            long n = 0;
            for (java.util.Iterator<java.util.Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
                java.util.Map.Entry<CharSequence, CharSequence> e = it.next();
                n += e.getKey().length() + e.getValue().length();
            }
            return n;
        }

        @Override
        public boolean limitBody(long maxBytes) {
            check();
            return h.limitBody(maxBytes);
        }

        @Override
        public void bufferBody(BodyCallback callback) {
            check();
            java.util.Objects.requireNonNull(callback, "callback");
            if (paused == null) paused = h.newPause();
            h.bufferBody(callback, paused);
        }

        @Override
        public CharSequence header(String name) {
            List<String> all = headers.getAll(name);
            if (all.isEmpty()) return null;
            return all.size() == 1 ? all.get(0) : String.join(",", all);
        }
    }

    private static String peerSpiffeId(io.netty.channel.Channel c) {
        io.netty.handler.ssl.SslHandler ssl = c.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (ssl == null) return NO_PRINCIPAL;
        try {
            java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof java.security.cert.X509Certificate x)) return NO_PRINCIPAL;
            java.util.Collection<List<?>> sans = x.getSubjectAlternativeNames();
            if (sans == null) return NO_PRINCIPAL;
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String u
                        && u.startsWith("spiffe://")) {
                    return u;
                }
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
            return NO_PRINCIPAL;
        }
        return NO_PRINCIPAL;
    }


    /** Starts a copy of {@code req} (and of its body, as it comes) to {@code name}'s cluster. */
    void startMirror(String name, HttpRequest req) {
        ClusterRuntime c = h.listener.runtime.cluster(name);
        if (c == null || c.endpoints.length == 0) {
            MirrorExchange.DROPPED.increment();
            return;
        }
        LbState mlb = LoopState.get(h.ctx.channel().eventLoop(), h.slot.upstreamChannelClass).balancer(c, h.listener.runtime.generation);
        MirrorExchange x = MirrorExchange.start(req, mlb, h.ctx.channel().eventLoop());
        MirrorExchange[] ms = mirrors;
        if (ms == null) {
            mirrors = ms = new MirrorExchange[2];
        } else if (mirrorCount == ms.length) {
            mirrors = ms = java.util.Arrays.copyOf(ms, ms.length * 2);
        }
        ms[mirrorCount++] = x;
        List<HttpContent> p = h.pending;
        if (p != null) {
            for (HttpContent hc : p) {
                x.content(hc);
            }
        }
    }

    /** Follows the rest of the exchange with a filter's observer; body pieces already held are given now. */
    void addObserver(StreamFilter f) {
        StreamFilter[] os = observers;
        if (os == null) {
            observers = os = new StreamFilter[4];
        } else if (observerCount == os.length) {
            observers = os = java.util.Arrays.copyOf(os, os.length * 2);
        }
        os[observerCount++] = f;
        List<HttpContent> p = h.pending;
        if (p != null) {
            for (HttpContent hc : p) {
                requestBodyTo(f, hc);
            }
        }
    }

    private static void requestBodyTo(StreamFilter f, HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        f.onRequestBody(c.content(), last);
        if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
            f.onRequestTrailers(((LastHttpContent) c).trailingHeaders());
        }
    }

    void responseBodyTo(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        for (int i = observerCount - 1; i >= 0; i--) {
            StreamFilter f = observers[i];
            f.onResponseBody(c.content(), last);
            if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
                f.onResponseTrailers(((LastHttpContent) c).trailingHeaders());
            }
        }
    }

    /** The exchange is over: its observers are told once and forgotten, its unfinished mirrors dropped. */
    void endObservers() {
        abortMirrors();
        int n = observerCount;
        if (n == 0) return;
        observerCount = 0;
        StreamFilter[] os = observers;
        for (int i = n - 1; i >= 0; i--) {
            StreamFilter f = os[i];
            os[i] = null;
            f.onDone();
        }
    }

    void mirrorContent(HttpContent c) {
        MirrorExchange[] ms = mirrors;
        for (int i = 0; i < mirrorCount; i++) {
            ms[i].content(c);
        }
        if (c instanceof LastHttpContent) {
            java.util.Arrays.fill(ms, 0, mirrorCount, null);
            mirrorCount = 0;
        }
    }

    void abortMirrors() {
        int n = mirrorCount;
        if (n == 0) return;
        mirrorCount = 0;
        MirrorExchange[] ms = mirrors;
        for (int i = 0; i < n; i++) {
            MirrorExchange m = ms[i];
            ms[i] = null;
            m.abort();
        }
    }


    /** The response headers go to the observers, the last registered first (docs/xds.md, "Route filters"). */
    void responseHeadersToObservers(HttpResponse resp, int code) {
        Response rv = responseView;
        if (rv == null) responseView = rv = new Response();
        rv.response = resp;
        rv.code = code;
        try {
            for (int i = observerCount - 1; i >= 0; i--) {
                observers[i].onResponseHeaders(rv);
                if (resp instanceof LastHttpContent) {
                    observers[i].onResponseBody(((LastHttpContent) resp).content(), true);
                }
            }
        } finally {
            rv.response = null;
        }
    }

    private Response responseView;

    /** The upstream response as the observers see it; one per handler. */
    private final class Response implements dev.lattice.proxy.filter.ResponseView {
        HttpResponse response;
        int code;

        @Override
        public int status() {
            return code;
        }

        @Override
        public HttpHeaders headers() {
            return response.headers();
        }

        @Override
        public InetSocketAddress upstreamAddress() {
            return h.lb == null ? null : h.lb.pools[h.endpointIndex].address;
        }

        @Override
        public boolean upstreamPinned() {
            return pinnedEndpoint >= 0 && h.endpointIndex == pinnedEndpoint;
        }

        @Override
        public boolean secure() {
            return h.secure();
        }
    }
}
