package dev.lattice.proxy.filter.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket of {@code capacity} tokens refilled at {@code requests} per {@code unit}, kept as GCRA's one number
 * (the theoretical arrival time, in nanoseconds of {@link System#nanoTime}) in an {@link AtomicLong}: a take is one
 * read and one compare-and-set, lock-free, shared by every event loop, no allocation. Exact: a burst of
 * {@code capacity} at once, then one every {@code interval}.
 */
final class TokenBucket {
    private final long interval; // nanoseconds per token
    private final long tolerance; // capacity * interval
    private final AtomicLong tat;

    TokenBucket(long requests, long unitSeconds, long capacity) {
        this.interval = Math.max(1, unitSeconds * 1_000_000_000L / requests);
        this.tolerance = capacity * interval;
        this.tat = new AtomicLong(System.nanoTime() - tolerance);
    }

    /**
     * Takes one token at {@code now}: a non-negative number of tokens left after it, or, when there is none, minus
     * the nanoseconds until the next one (at least 1).
     */
    long take(long now) {
        while (true) {
            long t = tat.get();
            long base = t - now > 0 ? t : now;
            long next = base + interval;
            long ahead = next - now;
            if (ahead > tolerance) return -(ahead - tolerance);
            if (tat.compareAndSet(t, next)) return (tolerance - ahead) / interval;
        }
    }
}
