package dev.lattice.proxy.filter.ratelimit;

import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The compiled RateLimitPolicy of one route: its rules, each with its bucket(s) (shared with every route the policy
 * governs, through {@link Buckets}); the first rule that applies and is over its limit answers 429. A broken policy
 * answers 503.
 */
final class RouteLimits {
    static final LocalReply BROKEN = LocalReply.of(503, "rate limit policy cannot be enforced");

    final String policy;
    final boolean broken;
    final List<LimitRule> rules;
    private final Buckets.Counters brokenCounter;

    RouteLimits(String policy, boolean broken, List<LimitRule> rules) {
        this.policy = policy;
        this.broken = broken;
        this.rules = List.copyOf(rules);
        this.brokenCounter = Buckets.counters(policy, "*");
    }

    LocalReply check(RequestView request) {
        if (broken) {
            brokenCounter.failure();
            return BROKEN;
        }
        long now = System.nanoTime();
        for (int i = 0, n = rules.size(); i < n; i++) {
            LimitRule r = rules.get(i);
            LocalReply reply = r.check(request, now);
            if (reply != null) return reply;
        }
        return null;
    }

    /** The 429 for rule {@code r} that has no token for {@code waitNanos}. */
    static LocalReply overLimit(LimitRule r, long waitNanos) {
        return overLimit(r.policyField, r.nameField, waitNanos);
    }

    /** The 429 for the rule named {@code nameField} (with its {@code policyField}) that has no token for {@code waitNanos}. */
    static LocalReply overLimit(String policyField, String nameField, long waitNanos) {
        long retry = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("retry-after", Long.toString(retry));
        h.set("ratelimit-policy", policyField);
        h.set("ratelimit", nameField + ";r=0;t=" + retry);
        byte[] body = "rate limited\n".getBytes(StandardCharsets.UTF_8);
        return new LocalReply(429, body, "rate limited", 14, h);
    }
}
