package dev.lattice.proxy.filter.ratelimit;

import dev.lattice.proxy.filter.RequestView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One global rule: its selectors (all must match; the local rules' {@link LimitRule.Sel}) and its Redis key: the
 * policy, the rule, its limits and selectors, and for a Distinct rule a hash of the request's values (so a value of
 * any length or content makes a short, safe key). The policy is the key's hash tag, so every key of a request lands
 * on one Redis Cluster slot.
 */
final class GlobalRule {
    final String policyField; // RateLimit-Policy: "name";q=..;w=..
    final String nameField; // "name"
    final String intervalArg; // microseconds per token
    final String toleranceArg; // capacity × interval
    final Buckets.Counters counters;
    private final List<LimitRule.Sel> selectors;
    private final boolean distinct;
    private final String key; // the key of a rule without Distinct selectors; the prefix of one with
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    });

    GlobalRule(String policy, int index, long requests, long unitSeconds, long burst, List<LimitRule.Sel> selectors, String signature) {
        String name = policy + "/global/" + index;
        this.nameField = "\"" + name + "\"";
        this.policyField = nameField + ";q=" + requests + ";w=" + unitSeconds;
        long interval = Math.max(1, unitSeconds * 1_000_000L / requests);
        this.intervalArg = Long.toString(interval);
        this.toleranceArg = Long.toString((requests + burst) * interval);
        this.selectors = List.copyOf(selectors);
        boolean d = false;
        for (LimitRule.Sel s : selectors) d |= s.distinct;
        this.distinct = d;
        String limits = requests + "/" + unitSeconds + "+" + burst;
        String sig = hash(signature).substring(0, 12);
        this.key = "lattice:rl:{" + policy + "}:global/" + index + ":" + limits + ":" + sig + (d ? ":" : "");
        this.counters = Buckets.counters(policy, "global/" + index);
    }

    /** The Redis key that counts {@code request} for this rule, or null when the rule does not apply to it. */
    String key(RequestView request) {
        StringBuilder values = null;
        for (int i = 0, n = selectors.size(); i < n; i++) {
            LimitRule.Sel s = selectors.get(i);
            if (!s.matches(request)) return null;
            if (s.distinct) {
                if (values == null) values = new StringBuilder();
                else values.append('\u0000');
                s.appendValue(request, values);
            }
        }
        return distinct ? key + hash(values) : key;
    }

    /** 128 bits of SHA-256, in hex. */
    static String hash(CharSequence s) {
        byte[] d = SHA256.get().digest(s.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d, 0, 16);
    }
}
