package dev.lattice.proxy.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimit;
import dev.lattice.api.filters.http.ratelimit.v1.GlobalRateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.api.filters.http.ratelimit.v1.Selector;
import dev.lattice.proxy.filter.FilterCallbacks;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.StaticRequest;
import dev.lattice.proxy.xds.XdsRejection;
import dev.lattice.testkit.FreePorts;
import dev.lattice.testkit.RedisServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The global rate-limit filter against a real redis-server: pause, resume (proceed or 429) when Redis answers, one
 * script call per request for all its rules, EVAL after NOSCRIPT, and the failure paths (never connected, stopped,
 * not answering) by failure mode, each without hanging.
 */
class GlobalRateLimitFilterTest {
    /** What came of one request: PROCEED, a reply, or NOW (decided without pausing: null or a reply). */
    static final LocalReply PROCEEDED = LocalReply.of(200, "proceeded");

    /** A request that can be paused: its handle completes {@link #outcome}. */
    static final class Req implements RequestView {
        final StaticRequest r;
        final CompletableFuture<LocalReply> outcome = new CompletableFuture<>();
        final dev.lattice.proxy.filter.RequestAuth auth;
        boolean paused;

        Req(String path, Map<String, String> headers) throws Exception {
            this(path, headers, null);
        }

        Req(String path, Map<String, String> headers, dev.lattice.proxy.filter.RequestAuth auth) throws Exception {
            r = new StaticRequest("GET", path, "h", 80, InetAddress.getByName("10.1.2.3"), null, null, headers);
            this.auth = auth;
        }

        @Override public dev.lattice.proxy.filter.RequestAuth requestAuth() { return auth; }
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
            paused = true;
            return new FilterCallbacks() {
                @Override public void proceed() { outcome.complete(PROCEEDED); }
                @Override public void reply(LocalReply reply) { outcome.complete(reply); }
            };
        }
    }

    /** Runs the check and returns its outcome: PROCEEDED, a reply, or null (passed without pausing). */
    static LocalReply run(GlobalRouteLimits l, RedisLimiter redis, String path, Map<String, String> headers) throws Exception {
        return run(l, redis, new Req(path, headers));
    }

    static LocalReply run(GlobalRouteLimits l, RedisLimiter redis, Req q) throws Exception {
        long start = System.nanoTime();
        LocalReply now = l.check(q, redis);
        if (now != LocalReply.PAUSE) {
            assertThat(q.paused).isFalse();
            return now;
        }
        assertThat(q.paused).isTrue();
        LocalReply out = q.outcome.get(3, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a paused request is decided quickly").isLessThan(Duration.ofSeconds(2));
        return out;
    }

    static GlobalRouteLimits limits(String policy, boolean failClosed, Rule... rules) throws XdsRejection {
        GlobalRateLimitPerRoute.Builder b = GlobalRateLimitPerRoute.newBuilder().setPolicy(policy).setFailClosed(failClosed);
        for (Rule r : rules) b.addRules(r);
        return GlobalRateLimitHttpFilterFactory.compile("l", "p", b.build());
    }

    static RedisLimiter limiter(int port) {
        return RedisLimiter.of("127.0.0.1", port, Duration.ofMillis(200));
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    static long stat(RedisServer redis, String command) throws Exception {
        // INFO's first line is the bulk length; read the whole section through a fresh connection
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", redis.port())) {
            s.getOutputStream().write("INFO commandstats\r\n".getBytes());
            s.setSoTimeout(2000);
            byte[] buf = new byte[65536];
            int n = 0;
            long end = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < end) {
                int k = s.getInputStream().read(buf, n, buf.length - n);
                if (k < 0) break;
                n += k;
                String text = new String(buf, 0, n);
                if (text.indexOf("\r\n") > 0 && text.endsWith("\r\n") && text.split("\r\n").length > 1) {
                    int i = text.indexOf("cmdstat_" + command + ":calls=");
                    if (i < 0) return 0;
                    int from = i + ("cmdstat_" + command + ":calls=").length();
                    return Long.parseLong(text.substring(from, text.indexOf(',', from)));
                }
            }
            throw new AssertionError("no INFO answer");
        }
    }

    @Test
    void pausesAndResumesWithRedisAnswerSharedAcrossRoutesAndDistinctValues() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            RedisLimiter l = limiter(redis.port());
            await("connected", l::connected);
            Rule perMinute = Rule.newBuilder().setRequests(3).setUnitSeconds(60).build();
            // two compiled routes of one policy (as two Gateways' copies) count together
            GlobalRouteLimits a = limits("ns/shared", false, perMinute), b = limits("ns/shared", false, perMinute);
            assertThat(run(a, l, "/", Map.of())).isSameAs(PROCEEDED);
            assertThat(run(b, l, "/", Map.of())).isSameAs(PROCEEDED);
            assertThat(run(a, l, "/", Map.of())).isSameAs(PROCEEDED);
            LocalReply over = run(b, l, "/", Map.of());
            assertThat(over.status()).isEqualTo(429);
            assertThat(Long.parseLong(over.headers().get("retry-after"))).isBetween(19L, 20L);
            assertThat(over.headers().get("ratelimit-policy")).isEqualTo("\"ns/shared/global/0\";q=3;w=60");
            assertThat(over.headers().get("ratelimit")).startsWith("\"ns/shared/global/0\";r=0;t=");

            GlobalRouteLimits d = limits("ns/users", true, Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                    .addSelectors(Selector.newBuilder().setSource(Selector.Source.HEADER).setName("x-user").setDistinct(true)).build());
            assertThat(run(d, l, "/", Map.of("x-user", "alice"))).isSameAs(PROCEEDED);
            assertThat(run(d, l, "/", Map.of("x-user", "alice")).status()).isEqualTo(429);
            assertThat(run(d, l, "/", Map.of("x-user", "bob"))).isSameAs(PROCEEDED);
            assertThat(run(d, l, "/", Map.of())).as("no header: the rule does not apply, no pause").isNull();

            // a jwtClaim Distinct rule counts per verified claim value; no token: the rule does not apply
            GlobalRouteLimits j = limits("ns/subs", true, Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                    .addSelectors(Selector.newBuilder().setSource(Selector.Source.JWT_CLAIM).setName("sub").setDistinct(true)).build());
            var carol = new dev.lattice.proxy.filter.RequestAuth("iss", "carol", java.util.List.of("api"), Map.of("sub", "carol"));
            assertThat(run(j, l, new Req("/", Map.of(), carol))).isSameAs(PROCEEDED);
            assertThat(run(j, l, new Req("/", Map.of(), carol)).status()).isEqualTo(429);
            assertThat(run(j, l, new Req("/", Map.of()))).isNull();
        }
    }

    @Test
    void everyRuleOfARequestIsOneScriptCallAndNoScriptFallsBackToEval() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            RedisLimiter l = limiter(redis.port());
            await("connected", l::connected);
            GlobalRouteLimits two = limits("ns/two", false,
                    Rule.newBuilder().setRequests(100).setUnitSeconds(1).build(),
                    Rule.newBuilder().setRequests(2).setUnitSeconds(3600).addSelectors(
                            Selector.newBuilder().setSource(Selector.Source.PATH).setValue("/a").setPathPrefix(true)).build());
            long before = stat(redis, "evalsha");
            for (int i = 0; i < 5; i++) run(two, l, "/a/x", Map.of());
            assertThat(stat(redis, "evalsha") - before).as("one EVALSHA per request, both rules in it").isEqualTo(5);
            // the second rule (2 per hour) answered the last three
            assertThat(run(two, l, "/a/x", Map.of()).headers().get("ratelimit-policy")).startsWith("\"ns/two/global/1\"");
            assertThat(run(two, l, "/b", Map.of())).as("only the first rule applies").isSameAs(PROCEEDED);
            // Redis forgets the script: the next call falls back to EVAL (which loads it again) and still counts
            assertThat(redis.command("SCRIPT FLUSH")).isEqualTo("+OK");
            long evals = stat(redis, "eval");
            assertThat(run(two, l, "/b", Map.of())).isSameAs(PROCEEDED);
            assertThat(stat(redis, "eval") - evals).isEqualTo(1);
            assertThat(run(two, l, "/a", Map.of()).status()).isEqualTo(429);
        }
    }

    @Test
    void neverConnectedFailsFastByFailureMode() throws Exception {
        int nobody = FreePorts.next();
        RedisLimiter l = limiter(nobody);
        Rule r = Rule.newBuilder().setRequests(1).setUnitSeconds(1).build();
        long start = System.nanoTime();
        assertThat(run(limits("ns/open", false, r), l, "/", Map.of())).as("Open passes, without pausing").isNull();
        assertThat(run(limits("ns/closed", true, r), l, "/", Map.of()).status()).as("Closed answers 503").isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
    }

    @Test
    void redisStoppedOrNotAnsweringAppliesTheFailureModeAndRecoveryIsAutomatic() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            RedisLimiter l = limiter(redis.port());
            await("connected", l::connected);
            Rule r = Rule.newBuilder().setRequests(1000).setUnitSeconds(1).build();
            GlobalRouteLimits open = limits("ns/o", false, r), closed = limits("ns/c", true, r);
            assertThat(run(closed, l, "/", Map.of())).isSameAs(PROCEEDED);
            redis.stop();
            await("disconnected", () -> !l.connected());
            assertThat(run(open, l, "/", Map.of())).isNull();
            assertThat(run(closed, l, "/", Map.of()).status()).isEqualTo(503);
            redis.startAgain(); // same port: Lettuce reconnects by itself
            await("reconnected and counting", () -> {
                try {
                    return run(closed, l, "/", Map.of()) == PROCEEDED;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // a Redis that takes the command and never answers: the command timeout decides, the request never hangs
            long pid = redis.pid();
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            try {
                long start = System.nanoTime();
                assertThat(run(closed, l, "/", Map.of()).status()).isEqualTo(503);
                assertThat(run(open, l, "/", Map.of())).isSameAs(PROCEEDED);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
            }
        }
    }

    @Test
    void badListenerAndRouteConfigIsRejectedByField() throws Exception {
        assertThatThrownBy(() -> GlobalRateLimitHttpFilterFactory.settings("l", "f", GlobalRateLimit.newBuilder().setRedisAddress("nohost").build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("f.redis_address: must be host:port");
        assertThatThrownBy(() -> GlobalRateLimitHttpFilterFactory.settings("l", "f", GlobalRateLimit.newBuilder().setRedisAddress("h:70000").build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("f.redis_address: the port");
        assertThat(GlobalRateLimitHttpFilterFactory.settings("l", "f", GlobalRateLimit.newBuilder().setRedisAddress("[::1]:6379").build()))
                .isEqualTo(new GlobalRateLimitHttpFilterFactory.Settings("::1", 6379, Duration.ofMillis(200)));
        assertThatThrownBy(() -> limits("ns/x", false, Rule.newBuilder().setRequests(0).setUnitSeconds(1).build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("p.rules[0].requests");
    }

    @Test
    void aLimiterNoLongerWantedIsClosedAndAWantedOneIsKept() throws Exception {
        Duration before = RedisLimiter.retire;
        RedisLimiter.retire = Duration.ofMillis(300);
        try {
            int port = FreePorts.next();
            RedisLimiter a = limiter(port);
            assertThat(limiter(port)).as("one per address").isSameAs(a);
            RedisLimiter b = limiter(FreePorts.next()); // a MeshConfig naming another Redis
            await("the old one closed", a::closed);
            assertThat(b.closed()).isFalse();
            Thread.sleep(600);
            assertThat(b.closed()).as("still wanted").isFalse();
            assertThat(limiter(port)).as("wanted again: a new one").isNotSameAs(a);
        } finally {
            RedisLimiter.retire = before;
        }
    }
}
