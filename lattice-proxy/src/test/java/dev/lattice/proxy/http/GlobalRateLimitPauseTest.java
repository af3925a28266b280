package dev.lattice.proxy.http;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.direct;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.Any;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.proxy.filter.FilterCallbacks;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.ratelimit.GlobalRateLimitHttpFilterFactory;
import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import dev.lattice.testkit.FreePorts;
import dev.lattice.testkit.RedisServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The global rate-limit filter in the connection manager on an EmbeddedChannel, against a real redis-server: the
 * request is paused (nothing answered, reading stopped) until Redis answers, then goes on to the router or is answered
 * 429; with Redis unreachable, failureMode Closed answers 503 at once and Open lets the request through.
 */
class GlobalRateLimitPauseTest {
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final GlobalRateLimitHttpFilterFactory factory = new GlobalRateLimitHttpFilterFactory();

    /**
     * The real filter, its view's pause handle wrapped: Redis's answer (the filter's decision) is held until the test
     * hands it over on its own thread, so that the test sees the request paused first, and the EmbeddedChannel is only
     * ever touched by the test thread.
     */
    private static final class Spied implements HttpFilter {
        final HttpFilter real;
        final Object routeConfig;
        volatile CountDownLatch decided = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicReference<Runnable> decision = new java.util.concurrent.atomic.AtomicReference<>();

        Spied(HttpFilter real, Object routeConfig) {
            this.real = real;
            this.routeConfig = routeConfig;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView request) {
            return real.onRequestHeaders(new View(request, decided, decision), routeConfig);
        }
    }

    private record View(RequestView r, CountDownLatch decided, java.util.concurrent.atomic.AtomicReference<Runnable> decision)
            implements RequestView {
        @Override public String method() { return r.method(); }
        @Override public String path() { return r.path(); }
        @Override public String pathAndQuery() { return r.pathAndQuery(); }
        @Override public String authority() { return r.authority(); }
        @Override public int destinationPort() { return r.destinationPort(); }
        @Override public InetAddress directRemoteAddress() { return r.directRemoteAddress(); }
        @Override public InetAddress remoteAddress() { return r.remoteAddress(); }
        @Override public String principal() { return r.principal(); }
        @Override public String requestedServerName() { return r.requestedServerName(); }
        @Override public CharSequence header(String name) { return r.header(name); }

        @Override
        public FilterCallbacks pause() {
            FilterCallbacks real = r.pause();
            return new FilterCallbacks() {
                @Override
                public void proceed() {
                    decision.set(real::proceed);
                    decided.countDown();
                }

                @Override
                public void reply(LocalReply reply) {
                    decision.set(() -> real.reply(reply));
                    decided.countDown();
                }
            };
        }
    }

    private Spied filter(int redisPort, String policy, boolean failClosed, long requests) throws Exception {
        Object settings = factory.parse("l", "f", Any.pack(GlobalRateLimit.newBuilder().setRedisAddress("127.0.0.1:" + redisPort).build()));
        HttpFilter f = factory.compile("gw", "lattice.filters.http.ratelimit", settings, metrics);
        Object route = factory.parsePerRoute("l", "r", Any.pack(GlobalRateLimitPerRoute.newBuilder().setPolicy(policy)
                .setFailClosed(failClosed).addRules(Rule.newBuilder().setRequests(requests).setUnitSeconds(3600)).build()));
        return new Spied(f, route);
    }

    private EmbeddedChannel channel(HttpFilter f) {
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("direct", "\"prefix\": \"/direct\"", direct(201, "hello"))));
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(bootstrap(List.of(l), List.of()), "test"), null, metrics);
        ListenerSlot slot = new ListenerSlot("127.0.0.1:0#gw", rc.listener("127.0.0.1:0#gw"), NioSocketChannel.class,
                metrics.downstreamActive("gw"));
        slot.current.httpFilters = new HttpFilter[] {f};
        slot.current.httpFilterNames = new String[] {"lattice.filters.http.ratelimit"};
        TelemetryHandler telemetry = new TelemetryHandler();
        return new EmbeddedChannel(new ServerCodec(ProtocolDetectHandler.SERVER_DECODER), telemetry,
                new DownstreamHandler(slot, false, telemetry));
    }

    private static String send(EmbeddedChannel ch, String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        return drain(ch);
    }

    private static String drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    /** Sends a request that the filter pauses, waits for Redis's answer to be handed over, and returns the response. */
    private static String pausedExchange(EmbeddedChannel ch, Spied f, String request) throws InterruptedException {
        f.decided = new CountDownLatch(1);
        assertThat(send(ch, request)).as("nothing answered while Redis is asked").isEmpty();
        assertThat(ch.config().isAutoRead()).as("reading stops while paused").isFalse();
        assertThat(f.decided.await(3, TimeUnit.SECONDS)).as("Redis answered").isTrue();
        f.decision.getAndSet(null).run();
        return drain(ch);
    }

    @Test
    void thePausedRequestGoesOnOrIsAnswered429WhenRedisAnswers() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            Spied f = filter(redis.port(), "ns/pause", true, 2);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            EmbeddedChannel ch = channel(f);
            // the first connection may still be opening: wait until the filter pauses rather than failing fast
            String first;
            while (true) {
                f.decided = new CountDownLatch(1);
                first = send(ch, "GET /direct/a HTTP/1.1\r\nHost: books.example\r\n\r\n");
                if (first.isEmpty()) break;
                assertThat(first).startsWith("HTTP/1.1 503 ");
                assertThat(System.nanoTime()).as("connected to Redis").isLessThan(end);
                Thread.sleep(50);
            }
            assertThat(f.decided.await(3, TimeUnit.SECONDS)).isTrue();
            f.decision.getAndSet(null).run();
            assertThat(drain(ch)).startsWith("HTTP/1.1 201 ").endsWith("hello");
            assertThat(ch.config().isAutoRead()).isTrue();
            assertThat(pausedExchange(ch, f, "GET /direct/b HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 201 ");
            String over = pausedExchange(ch, f, "GET /direct/c HTTP/1.1\r\nHost: books.example\r\n\r\n");
            assertThat(over).startsWith("HTTP/1.1 429 ").containsIgnoringCase("retry-after: ")
                    .contains("\"ns/pause/global/0\";q=2;w=3600");
            assertThat(ch.isOpen()).isTrue();
            assertThat(metrics.scrape()).contains("lattice_ratelimit_requests_total{decision=\"over_limit\",policy=\"ns/pause\",rule=\"global/0\"} 1.0");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void redisUnreachableAnswers503WhenClosedAndPassesWhenOpenWithoutPausing() throws Exception {
        int nobody = FreePorts.next();
        EmbeddedChannel closed = channel(filter(nobody, "ns/closed", true, 100));
        String c = send(closed, "GET /direct/a HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(c).startsWith("HTTP/1.1 503 ").contains("rate limit service unavailable");
        EmbeddedChannel open = channel(filter(nobody, "ns/open", false, 100));
        assertThat(send(open, "GET /direct/a HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 201 ");
        assertThat(metrics.scrape())
                .contains("lattice_ratelimit_requests_total{decision=\"failure\",policy=\"ns/closed\",rule=\"global/0\"} 1.0")
                .contains("lattice_ratelimit_requests_total{decision=\"failure_mode_allowed\",policy=\"ns/open\",rule=\"global/0\"} 1.0");
        closed.finishAndReleaseAll();
        open.finishAndReleaseAll();
    }
}
