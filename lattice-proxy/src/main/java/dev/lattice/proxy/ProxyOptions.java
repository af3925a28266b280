package dev.lattice.proxy;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to run a proxy.
 *
 * @param xdsAddress {@code host:port} of the ADS server, or null to run from the bootstrap only
 * @param nodeId     xDS node id, {@code <role>~<namespace>~<name>}
 * @param adminPort  admin port on 127.0.0.1; 0 picks a free one
 * @param threads    event loops; 0 means the number of cores
 * @param bootstrap  a bootstrap file {@code {"listeners": [...], "clusters": [...]}}, or null
 * @param metadata   extra string entries for the xDS node metadata (pid, admin_port, version are always sent)
 * @param bootstrapToken the token that authenticates this proxy's CSRs to the control plane's CA (environment
 *                   {@code LATTICE_BOOTSTRAP_TOKEN}), or null: then the proxy has no mesh identity
 */
public record ProxyOptions(String xdsAddress, String nodeId, int adminPort, int threads, Path bootstrap,
        Map<String, String> metadata, String bootstrapToken) {
    /** Without a bootstrap token. */
    public ProxyOptions(String xdsAddress, String nodeId, int adminPort, int threads, Path bootstrap,
            Map<String, String> metadata) {
        this(xdsAddress, nodeId, adminPort, threads, bootstrap, metadata, null);
    }

    public ProxyOptions {
        if (nodeId == null || nodeId.isBlank()) {
            nodeId = "sidecar~default~lattice-proxy";
        }
        if (adminPort < 0 || adminPort > 65535) {
            throw new IllegalArgumentException("proxy: --admin-port must be 0..65535, got " + adminPort);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("proxy: --threads must be >= 0, got " + threads);
        }
        if (xdsAddress != null && xdsAddress.lastIndexOf(':') <= 0) {
            throw new IllegalArgumentException("proxy: --xds must be HOST:PORT, got " + xdsAddress);
        }
        if (xdsAddress == null && bootstrap == null) {
            throw new IllegalArgumentException("proxy: give --xds HOST:PORT or --bootstrap FILE (or both)");
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (bootstrapToken != null && bootstrapToken.isBlank()) {
            bootstrapToken = null;
        }
    }

    @Override
    public String toString() {
        // never print the token
        return "ProxyOptions[xds=" + xdsAddress + ", nodeId=" + nodeId + ", adminPort=" + adminPort + ", threads=" + threads
                + ", bootstrap=" + bootstrap + ", metadata=" + metadata + ", token=" + (bootstrapToken == null ? "none" : "set") + "]";
    }
}
