package dev.lattice.proxy;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import dev.lattice.proxy.admin.AdminServer;
import dev.lattice.proxy.admin.ConfigDump;
import dev.lattice.proxy.config.ProxyConfig;
import dev.lattice.proxy.listener.DataPlane;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import dev.lattice.proxy.xds.TypeStatus;
import dev.lattice.proxy.xds.XdsClient;
import dev.lattice.proxy.xds.XdsResources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A running proxy, in-process: event loops and listeners, admin endpoint, and the xDS client and/or bootstrap
 * config. {@link ProxyMain} runs one as a process; tests start them directly.
 */
public final class ProxyServer implements AutoCloseable {
    private final ProxyOptions options;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final DataPlane dataPlane;
    private final AdminServer admin;
    private final XdsClient xds;
    private final dev.lattice.proxy.tls.MeshIdentity identity = new dev.lattice.proxy.tls.MeshIdentity();
    private final dev.lattice.proxy.tls.IdentityAgent agent;
    private final Object applyLock = new Object();
    private volatile boolean bootstrapApplied;
    private volatile String source = "none";
    private final boolean compactWhenReady;
    private final java.util.concurrent.atomic.AtomicBoolean compacted = new java.util.concurrent.atomic.AtomicBoolean();

    private ProxyServer(ProxyOptions options, boolean compactWhenReady) throws IOException {
        this.options = requireNonNull(options, "options");
        this.compactWhenReady = compactWhenReady;
        ProxyConfig boot = options.bootstrap() == null ? null : BootstrapLoader.load(options.bootstrap());
        DataPlane dp = new DataPlane(options.threads(), metrics);
        dev.lattice.proxy.filter.ratelimit.GlobalRateLimitHttpFilterFactory.shareEventLoops(dp.group());
        AdminServer ad = null;
        XdsClient x = null;
        dev.lattice.proxy.tls.IdentityAgent ag = null;
        try {
            ad = new AdminServer(options.adminPort(), new AdminServer.Sources(this::ready, this::configDump,
                    metrics::scrape, ProxyMetrics.contentType()));
            this.dataPlane = dp;
            if (boot != null) {
                Map<String, String> errors = apply(boot);
                if (!errors.isEmpty()) {
                    throw new IllegalStateException("bootstrap " + options.bootstrap() + ": " + errors);
                }
                bootstrapApplied = true;
                source = "bootstrap";
                compactOnce();
            }
            if (options.xdsAddress() != null) {
                Map<String, Value> md = new LinkedHashMap<>();
                options.metadata().forEach((k, v) -> md.put(k, Value.newBuilder().setStringValue(v).build()));
                md.put("pid", Value.newBuilder().setNumberValue(ProcessHandle.current().pid()).build());
                md.put("admin_port", Value.newBuilder().setNumberValue(ad.port()).build());
                md.put("version", Value.newBuilder().setStringValue(ProxyMain.VERSION).build());
                x = new XdsClient(options.xdsAddress(), options.nodeId(), md, this::applyFromXds, this::xdsEvent);
                if (options.bootstrapToken() != null) {
                    x.onSecrets(identity::setBundles); // the trust bundles (SDS ROOTCA), live
                }
                x.start();
                if (options.bootstrapToken() != null) {
                    ag = new dev.lattice.proxy.tls.IdentityAgent(x.channel(), options.bootstrapToken(), identity,
                            java.time.Clock.systemUTC());
                    ag.startWithin(java.time.Duration.ofSeconds(5)); // or once the first config is in: xdsEvent
                }
            }
        } catch (Exception e) {
            if (ag != null) {
                ag.close();
            }
            if (x != null) {
                x.close();
            }
            if (ad != null) {
                ad.close();
            }
            dp.close();
            throw e;
        }
        this.admin = ad;
        this.xds = x;
        this.agent = ag;
    }

    /** This proxy's mesh identity (its certificate and trust bundles). */
    public dev.lattice.proxy.tls.MeshIdentity identity() {
        return identity;
    }

    /** Starts a proxy; throws when the bootstrap is invalid or a port cannot be bound. */
    public static ProxyServer start(ProxyOptions options) throws IOException {
        return new ProxyServer(options, false);
    }

    /** For the proxy process: once the first config is in, collect the start-up garbage so the heap can shrink. */
    static ProxyServer startProcess(ProxyOptions options) throws IOException {
        return new ProxyServer(options, true);
    }

    private void compactOnce() {
        if (compactWhenReady && compacted.compareAndSet(false, true)) {
            System.gc();
        }
    }

    private Map<String, String> applyFromXds(ProxyConfig config) {
        Map<String, String> errors = apply(config);
        source = "xds";
        return errors;
    }

    private void xdsEvent(String event) {
        int colon = event.indexOf(':');
        metrics.xdsUpdate(event.substring(0, colon), event.endsWith(":accepted"));
        if (xds != null && xds.synced()) {
            // runs on the xDS thread, never on an event loop
            compactOnce();
            if (agent != null) agent.start();
        }
    }

    /** Compiles and swaps in {@code config}; returns listeners that could not be bound, by name. */
    public Map<String, String> apply(ProxyConfig config) {
        synchronized (applyLock) {
            RuntimeConfig next = RuntimeConfig.compile(config, dataPlane.current(), metrics, identity);
            return dataPlane.apply(next);
        }
    }

    /** Re-reads a bootstrap file and applies it (throws, changing nothing, when it is invalid). */
    public Map<String, String> applyBootstrap(Path file) throws IOException {
        Map<String, String> errors = apply(BootstrapLoader.load(file));
        bootstrapApplied = true;
        source = "bootstrap";
        return errors;
    }

    /** True once a config (bootstrap, or both CDS and LDS from xDS) is applied and its listeners bound. */
    public boolean ready() {
        return bootstrapApplied || (xds != null && xds.synced());
    }

    public int adminPort() {
        return admin.port();
    }

    /** Bound port by listener name. */
    public Map<String, Integer> listenerPorts() {
        return dataPlane.boundPorts();
    }

    /** The bound port of listener {@code name}; throws when there is no such listener. */
    public int listenerPort(String name) {
        Integer p = dataPlane.boundPorts().get(name);
        if (p == null) {
            throw new IllegalArgumentException("proxy: no bound listener named " + name + "; bound: "
                    + dataPlane.boundPorts().keySet());
        }
        return p;
    }

    public ProxyConfig config() {
        RuntimeConfig rc = dataPlane.current();
        return rc == null ? ProxyConfig.EMPTY : rc.config();
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public String transport() {
        return dataPlane.transport();
    }

    public TypeStatus cdsStatus() {
        return xds == null ? TypeStatus.initial(XdsResources.CLUSTER_TYPE) : xds.cdsStatus();
    }

    public TypeStatus ldsStatus() {
        return xds == null ? TypeStatus.initial(XdsResources.LISTENER_TYPE) : xds.ldsStatus();
    }

    public String configDump() {
        return ConfigDump.render(options.nodeId(), ProxyMain.VERSION, ready(), source,
                xds == null ? null : xds.target(), xds != null && xds.connected(), cdsStatus(), ldsStatus(), config(),
                dataPlane.boundPorts(), agent == null ? null : identity, agent == null ? null : agent.lastError());
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
        }
        if (xds != null) {
            xds.close();
        }
        admin.close();
        dataPlane.close();
    }
}
