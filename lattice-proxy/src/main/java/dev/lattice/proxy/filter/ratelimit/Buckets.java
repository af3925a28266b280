package dev.lattice.proxy.filter.ratelimit;

import dev.lattice.proxy.metrics.ProxyMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's rate-limit state, outside any one config: a rule's buckets are keyed by policy, rule index and the
 * rule's limits, so a new config (any xDS push) keeps counting where the last left off, and every route and listener
 * of this proxy that the policy governs shares them. A rule whose limits change starts afresh.
 */
final class Buckets {
    /** The most values a Distinct rule keeps a bucket for; values beyond it share one overflow bucket. */
    static final int DISTINCT_CAP = 10_000;

    private static final ConcurrentHashMap<String, TokenBucket> SINGLE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Distinct> DISTINCT = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Counters> COUNTERS = new ConcurrentHashMap<>();
    private static volatile ProxyMetrics metrics;

    private Buckets() {}

    static void bind(ProxyMetrics m) {
        metrics = m;
    }

    static TokenBucket single(String key, long requests, long unitSeconds, long capacity) {
        return SINGLE.computeIfAbsent(key, k -> new TokenBucket(requests, unitSeconds, capacity));
    }

    static Distinct distinct(String key, long requests, long unitSeconds, long capacity) {
        return DISTINCT.computeIfAbsent(key, k -> new Distinct(requests, unitSeconds, capacity));
    }

    static Counters counters(String policy, String rule) {
        return COUNTERS.computeIfAbsent(policy + "\u0000" + rule, k -> new Counters(policy, rule));
    }

    /** One bucket per value, at most {@link #DISTINCT_CAP}; then one shared overflow bucket for every new value. */
    static final class Distinct {
        private final long requests;
        private final long unitSeconds;
        private final long capacity;
        private final ConcurrentHashMap<String, TokenBucket> map = new ConcurrentHashMap<>();
        private final TokenBucket overflow;

        Distinct(long requests, long unitSeconds, long capacity) {
            this.requests = requests;
            this.unitSeconds = unitSeconds;
            this.capacity = capacity;
            this.overflow = new TokenBucket(requests, unitSeconds, capacity);
        }

        TokenBucket get(String value) {
            TokenBucket b = map.get(value);
            if (b != null) return b;
            if (map.size() >= DISTINCT_CAP) return overflow;
            return map.computeIfAbsent(value, k -> new TokenBucket(requests, unitSeconds, capacity));
        }
    }

    /** A rule's counters, bound to the proxy's metrics on first use. */
    static final class Counters {
        private final String policy;
        private final String rule;
        private volatile CounterDataPoint ok, over, failure, failureAllowed;

        Counters(String policy, String rule) {
            this.policy = policy;
            this.rule = rule;
        }

        void ok() {
            CounterDataPoint c = ok;
            if (c == null) c = ok = bindOne("ok");
            if (c != null) c.inc();
        }

        void overLimit() {
            CounterDataPoint c = over;
            if (c == null) c = over = bindOne("over_limit");
            if (c != null) c.inc();
        }

        void failure() {
            CounterDataPoint c = failure;
            if (c == null) c = failure = bindOne("failure");
            if (c != null) c.inc();
        }

        /** A global rule that Redis could not answer for, and whose failure mode (Open) let the request pass. */
        void failureModeAllowed() {
            CounterDataPoint c = failureAllowed;
            if (c == null) c = failureAllowed = bindOne("failure_mode_allowed");
            if (c != null) c.inc();
        }

        private CounterDataPoint bindOne(String decision) {
            ProxyMetrics m = metrics;
            return m == null ? null : m.rateLimit(policy, rule, decision);
        }
    }
}
