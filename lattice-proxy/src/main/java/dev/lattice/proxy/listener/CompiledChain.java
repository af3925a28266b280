package dev.lattice.proxy.listener;

import dev.lattice.proxy.cluster.ClusterRuntime;
import dev.lattice.proxy.config.FilterChainConfig;
import dev.lattice.proxy.router.Spread;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * One compiled filter chain: its TLS context ({@code staticSsl} from inline certificates, or the proxy's current mesh
 * context when {@code mesh} is set; neither: plain, or passthrough; with {@code tcp}: TLS terminated, then relayed),
 * and either its HTTP route table ({@code http}) or its TCP proxy targets ({@code tcp}).
 */
public record CompiledChain(FilterChainConfig config, SslContext staticSsl, dev.lattice.proxy.tls.MeshIdentity mesh,
        CompiledListener http, TcpTargets tcp) {
    String name() {
        return config.name();
    }

    /** Whether this chain terminates TLS. */
    public boolean tls() {
        return staticSsl != null || config.meshTls();
    }

    /**
     * The server context for a new connection: the inline one, or the mesh identity's current one (a rotation is
     * picked up by the next connection). Null for a TLS chain that cannot serve yet (no certificate or no bundle):
     * the connection is then closed, never served in plaintext.
     */
    SslContext ssl() {
        if (staticSsl != null) return staticSsl;
        return config.meshTls() && mesh != null ? mesh.server() : null;
    }

    List<String> serverNames() {
        return config.serverNames();
    }

    /** A TCP proxy's weighted clusters (a null cluster is one CDS does not define), of config {@code generation}. */
    public record TcpTargets(String[] names, ClusterRuntime[] clusters, int[] weights, int totalWeight, long generation, Spread spread) {
        TcpTargets(String[] names, ClusterRuntime[] clusters, int[] weights, int totalWeight, long generation) {
            this(names, clusters, weights, totalWeight, generation, new Spread());
        }

        /** The next connection's cluster, by the weights ({@link Spread}); totalWeight > 0. */
        public ClusterRuntime pick() {
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
