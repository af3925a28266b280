package dev.lattice.proxy.cluster;

import java.util.concurrent.ThreadLocalRandom;

/** One event loop's balancer for one cluster: round robin, or least request by power of two choices. */
public final class LbState {
    public final ClusterRuntime cluster;
    public final EndpointPool[] pools;
    private int next;

    LbState(ClusterRuntime cluster, EndpointPool[] pools) {
        this.cluster = cluster;
        this.pools = pools;
        // start each loop at a different endpoint
        this.next = pools.length == 0 ? 0 : ThreadLocalRandom.current().nextInt(pools.length);
    }

    /** The index of the endpoint for the next request; {@code pools.length} must be positive. */
    public int pick() {
        int n = pools.length;
        if (n == 1) {
            return 0;
        }
        if (cluster.leastRequest) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            int a = r.nextInt(n);
            int b = r.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return pools[b].active < pools[a].active ? b : a;
        }
        int i = next;
        next = i + 1 == n ? 0 : i + 1;
        return i;
    }
}
