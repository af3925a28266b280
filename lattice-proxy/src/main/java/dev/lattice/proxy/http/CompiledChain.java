package dev.lattice.proxy.http;

import dev.lattice.proxy.config.FilterChainConfig;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * One compiled filter chain: its TLS context (null: plain, or passthrough; with {@code tcp}: TLS terminated, then
 * relayed), and either its HTTP route table
 * ({@code http}) or its TCP proxy targets ({@code tcp}).
 */
record CompiledChain(FilterChainConfig config, SslContext ssl, CompiledListener http, TcpTargets tcp) {
    String name() {
        return config.name();
    }

    List<String> serverNames() {
        return config.serverNames();
    }

    /** A TCP proxy's weighted clusters; a null cluster is one CDS does not define. */
    record TcpTargets(String[] names, ClusterRuntime[] clusters, int[] weights, int totalWeight, Spread spread) {
        TcpTargets(String[] names, ClusterRuntime[] clusters, int[] weights, int totalWeight) {
            this(names, clusters, weights, totalWeight, new Spread());
        }

        /** The next connection's cluster, by the weights ({@link Spread}); totalWeight > 0. */
        ClusterRuntime pick() {
            int r = spread.next(totalWeight);
            for (int i = 0; i < weights.length; i++) {
                if (r < weights[i]) {
                    return clusters[i];
                }
                r -= weights[i];
            }
            return clusters[clusters.length - 1];
        }
    }
}
