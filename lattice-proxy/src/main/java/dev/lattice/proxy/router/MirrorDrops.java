package dev.lattice.proxy.router;

/** Read access to the request-mirror counters of this process (tests, admin). */
public final class MirrorDrops {
    private MirrorDrops() {}

    /** Mirror copies dropped: body over the buffer limit while the mirror could not take it, or mirror unreachable. */
    public static long dropped() {
        return MirrorExchange.DROPPED.sum();
    }

    /** Mirror copies whose whole request was handed to the mirror's connection. */
    public static long sent() {
        return MirrorExchange.SENT.sum();
    }
}
