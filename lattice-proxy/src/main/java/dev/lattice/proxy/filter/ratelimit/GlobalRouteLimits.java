package dev.lattice.proxy.filter.ratelimit;

import dev.lattice.proxy.filter.FilterCallbacks;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import java.util.Arrays;
import java.util.List;

/**
 * The global rules of the policy that governs one route: the rules that apply to a request are counted in Redis in
 * one call ({@link RedisLimiter#run}); the request is paused meanwhile and goes on, or is answered 429 by the first
 * rule over its limit, when Redis answers. While Redis cannot answer (unreachable, or no answer within the timeout),
 * {@code failClosed} answers 503 and otherwise the request passes. A request to which no rule applies never waits.
 */
final class GlobalRouteLimits {
    static final LocalReply UNAVAILABLE = LocalReply.of(503, "rate limit service unavailable");

    final String policy;
    final boolean failClosed;
    private final GlobalRule[] rules;

    GlobalRouteLimits(String policy, boolean failClosed, List<GlobalRule> rules) {
        this.policy = policy;
        this.failClosed = failClosed;
        this.rules = rules.toArray(GlobalRule[]::new);
    }

    /** Null to pass now, a reply, or {@link LocalReply#PAUSE} after pausing {@code request} for Redis's answer. */
    LocalReply check(RequestView request, RedisLimiter redis) {
        String[] keys = null;
        GlobalRule[] applied = null;
        int n = 0;
        for (GlobalRule r : rules) {
            String key = r.key(request);
            if (key == null) continue;
            if (keys == null) {
                keys = new String[rules.length];
                applied = new GlobalRule[rules.length];
            }
            keys[n] = key;
            applied[n++] = r;
        }
        if (n == 0) return null;
        if (!redis.connected()) return failed(applied, n); // fail fast: no pause, no command
        if (n < keys.length) keys = Arrays.copyOf(keys, n);
        String[] args = new String[2 * n];
        for (int i = 0; i < n; i++) {
            args[2 * i] = applied[i].intervalArg;
            args[2 * i + 1] = applied[i].toleranceArg;
        }
        FilterCallbacks cb = request.pause();
        GlobalRule[] a = applied;
        int count = n;
        redis.run(keys, args).whenComplete((res, err) -> {
            LocalReply reply;
            try {
                reply = err != null ? failed(a, count) : decide(res, a, count);
            } catch (RuntimeException e) { // an answer of an unexpected shape is Redis failing
                reply = failed(a, count);
            }
            if (reply == null) cb.proceed();
            else cb.reply(reply);
        });
        return LocalReply.PAUSE;
    }

    /** What Redis's answer {@code [index, wait µs]} means for the {@code n} rules that applied. */
    private static LocalReply decide(List<Object> res, GlobalRule[] applied, int n) {
        int over = ((Number) res.get(0)).intValue();
        if (over < 0 || over > n) throw new IllegalStateException("bad answer " + res);
        int ok = over == 0 ? n : over - 1;
        for (int i = 0; i < ok; i++) applied[i].counters.ok();
        if (over == 0) return null;
        GlobalRule r = applied[over - 1];
        r.counters.overLimit();
        long waitMicros = ((Number) res.get(1)).longValue();
        return RouteLimits.overLimit(r.policyField, r.nameField, Math.max(1, waitMicros) * 1_000L);
    }

    /** Redis cannot answer: 503 when the policy fails closed, else pass (null). */
    private LocalReply failed(GlobalRule[] applied, int n) {
        for (int i = 0; i < n; i++) {
            if (failClosed) applied[i].counters.failure();
            else applied[i].counters.failureModeAllowed();
        }
        return failClosed ? UNAVAILABLE : null;
    }
}
