package dev.lattice.proxy.filter.jwt;

import dev.lattice.proxy.filter.RequestAuth;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The tokens one compiled JWT filter has verified, so that a token seen again is not parsed and its signature not
 * checked again: a fixed table of {@value #SLOTS} slots (the bound: random tokens only ever replace entries, never
 * grow the table), each slot found by the token's hash and holding at most one {@link Entry}, read and written with
 * acquire/release and no lock. Only successful verifications are stored; a lookup matches on the whole token text
 * and the provider that verified it, and re-checks {@code exp} and {@code nbf} with the 60 s of skew on every hit, so
 * an expired token is refused even while it stays in its slot. The table belongs to the compiled filter: a new config
 * (new keys) compiles a new filter with an empty table, so nothing verified by old keys survives a key change.
 */
final class VerifiedTokens {
    static final int SLOTS = 4096;
    private static final int MASK = SLOTS - 1;
    /** No time limit: the token has no exp (or no nbf). */
    static final long NONE = Long.MIN_VALUE;

    /**
     * A verified token: the text, the provider that verified it, what the request gets ({@code auth}; the claim
     * headers as name/value pairs, a null value meaning "remove only"), and its exp / nbf in milliseconds (or NONE).
     */
    record Entry(String token, JwtProviderConfig provider, RequestAuth auth, String[] claimHeaders, long expMillis,
                 long nbfMillis) {}

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    /** How many of a token's last characters pick its slot: they are its signature's, as random as it gets. */
    private static final int HASHED_TAIL = 24;

    /**
     * The slot of the token {@code src[from, to)}: a hash of its length and its last {@value #HASHED_TAIL} characters,
     * read in place (a request's token is a region of its header value, looked up without being copied out).
     */
    private static int slot(String src, int from, int to) {
        int h = to - from;
        for (int i = Math.max(from, to - HASHED_TAIL); i < to; i++) h = 31 * h + src.charAt(i);
        h *= 0x9E3779B9;
        return (h ^ (h >>> 16)) & MASK;
    }

    /** The entry for this token and provider, or null (never stored, replaced, or its time is up: then dropped). */
    Entry get(String token, JwtProviderConfig provider, long nowMillis) {
        return get(token, 0, token.length(), provider, nowMillis);
    }

    /** As {@link #get(String, JwtProviderConfig, long)} for the token {@code src[from, to)}, with nothing copied. */
    Entry get(String src, int from, int to, JwtProviderConfig provider, long nowMillis) {
        int i = slot(src, from, to);
        Entry e = slots.getAcquire(i);
        if (e == null || e.provider != provider || e.token.length() != to - from || !src.regionMatches(from, e.token, 0, to - from)) {
            return null;
        }
        if (!timely(e, nowMillis)) {
            slots.compareAndExchangeRelease(i, e, null);
            return null;
        }
        return e;
    }

    /** Whether {@code exp} and {@code nbf} still hold with the skew (as {@link JwtAuthnFilter#verify} checks them). */
    static boolean timely(Entry e, long nowMillis) {
        long skew = JwtAuthnFilter.SKEW_SECONDS * 1000L;
        if (e.expMillis != NONE && nowMillis > e.expMillis + skew) return false;
        return e.nbfMillis == NONE || nowMillis + skew >= e.nbfMillis;
    }

    void put(Entry e) {
        slots.setRelease(slot(e.token, 0, e.token.length()), e);
    }

    /** How many slots hold an entry (for tests). */
    int size() {
        int n = 0;
        for (int i = 0; i < SLOTS; i++) if (slots.getPlain(i) != null) n++;
        return n;
    }
}
