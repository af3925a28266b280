package dev.lattice.proxy.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.ProxyConfig;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The proxy's ADS client (state of the world): one stream, CDS first then LDS, both wildcard. Each response is
 * parsed resource by resource, applied through the {@link ConfigSink}, and ACKed, or NACKed with a reason naming
 * resource and field (the last good version of a rejected resource stays). Reconnects with backoff when the stream
 * breaks, serving the last config meanwhile. All state lives on one thread.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(XdsClient.class.getName());
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 10_000;
    private static final long MAX_REPEAT_NACK_DELAY_MS = 4_000;

    private final String target;
    private final Node node;
    private final ConfigSink sink;
    private final Consumer<String> onEvent;
    private final ScheduledExecutorService executor;
    private final ManagedChannel channel;
    private final java.util.concurrent.ExecutorService grpcIo;

    // state, touched only on the executor
    private Map<String, ClusterConfig> clusters = Map.of();
    private Map<String, ListenerConfig> listeners = Map.of();
    private boolean cdsReceived;
    private boolean ldsReceived;
    private StreamObserver<DiscoveryRequest> requests;
    private int streamId;
    private boolean ldsRequested;
    private long backoffMs = MIN_BACKOFF_MS;
    private long repeatNackDelayMs;
    private boolean closed;
    private volatile TypeStatus cds = TypeStatus.initial(XdsResources.CLUSTER_TYPE);
    private volatile TypeStatus lds = TypeStatus.initial(XdsResources.LISTENER_TYPE);
    private volatile TypeStatus sds = TypeStatus.initial(MeshSecrets.SECRET_TYPE);
    private volatile Consumer<Map<String, List<java.security.cert.X509Certificate>>> secretSink;
    private volatile boolean synced;
    private volatile boolean connected;

    /**
     * @param target   {@code host:port} of the ADS server
     * @param onEvent  called (on the client's thread) with "cds" or "lds" after each accepted or rejected response
     */
    public XdsClient(String target, String nodeId, Map<String, Value> metadata, ConfigSink sink, Consumer<String> onEvent) {
        this.target = requireNonNull(target, "target");
        requireNonNull(nodeId, "nodeId");
        this.sink = requireNonNull(sink, "sink");
        this.onEvent = requireNonNull(onEvent, "onEvent");
        this.node = Node.newBuilder()
                .setId(nodeId)
                .setUserAgentName("lattice-proxy")
                .setMetadata(Struct.newBuilder().putAllFields(requireNonNull(metadata, "metadata")))
                .build();
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lattice-proxy-xds");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
        // the OkHttp transport reads each connection on a thread of its own (one connection: one thread); calls run on
        // our executor. The xDS stream is tiny, the proxy's memory is not: no second copy of Netty for it.
        this.grpcIo = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lattice-proxy-xds-io");
            t.setDaemon(true);
            return t;
        });
        this.channel = OkHttpChannelBuilder.forTarget(target)
                .usePlaintext()
                .transportExecutor(grpcIo)
                .executor(executor)
                .build();
    }

    public void start() {
        executor.execute(this::openStream);
    }

    /**
     * Subscribes to SDS too (call before {@link #start()}): each accepted Secret response's trust bundles go to
     * {@code sink}, on the client's thread.
     */
    public void onSecrets(Consumer<Map<String, List<java.security.cert.X509Certificate>>> sink) {
        this.secretSink = requireNonNull(sink, "sink");
    }

    public TypeStatus sdsStatus() {
        return sds;
    }

    /** The channel to the control plane, for its other APIs (the certificate-signing API) on the same connection. */
    public ManagedChannel channel() {
        return channel;
    }

    public TypeStatus cdsStatus() {
        return cds;
    }

    public TypeStatus ldsStatus() {
        return lds;
    }

    /** True once both CDS and LDS have been received and applied at least once. */
    public boolean synced() {
        return synced;
    }

    public boolean connected() {
        return connected;
    }

    public String target() {
        return target;
    }

    private void openStream() {
        if (closed) {
            return;
        }
        int id = ++streamId;
        ldsRequested = false;
        StreamObserver<DiscoveryResponse> responses = new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
                submit(() -> onResponse(id, r));
            }

            @Override
            public void onError(Throwable t) {
                submit(() -> onStreamEnd(id, t));
            }

            @Override
            public void onCompleted() {
                submit(() -> onStreamEnd(id, null));
            }
        };
        try {
            requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(responses);
            if (secretSink != null) {
                // secrets first (docs/xds.md); nothing waits for them: a mesh TLS context without them refuses
                send(MeshSecrets.SECRET_TYPE, sds.ackedVersion(), "", null);
            }
            send(XdsResources.CLUSTER_TYPE, cds.ackedVersion(), "", null);
            if (cdsReceived) {
                // on a reconnect the server may have nothing new for CDS: do not wait for it
                requestLds();
            }
        } catch (RuntimeException e) {
            onStreamEnd(id, e);
        }
    }

    private void submit(Runnable r) {
        try {
            executor.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing more to do
        }
    }

    private void requestLds() {
        if (!ldsRequested) {
            ldsRequested = true;
            send(XdsResources.LISTENER_TYPE, lds.ackedVersion(), "", null);
        }
    }

    private void send(String typeUrl, String version, String nonce, String error) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(nonce);
        if (error != null) {
            b.setErrorDetail(Status.newBuilder().setCode(3).setMessage(error));
        }
        try {
            requests.onNext(b.build());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "xds: cannot send on the stream", e);
        }
    }

    private void onResponse(int id, DiscoveryResponse r) {
        if (id != streamId || closed) {
            return;
        }
        try {
            handle(r);
        } catch (Exception e) {
            // never leave a response unanswered: NACK what we could not handle
            LOG.log(Level.WARNING, "xds: cannot handle " + r.getTypeUrl() + " version " + r.getVersionInfo(), e);
            send(r.getTypeUrl(), r.getTypeUrl().equals(XdsResources.CLUSTER_TYPE) ? cds.ackedVersion()
                    : r.getTypeUrl().equals(MeshSecrets.SECRET_TYPE) ? sds.ackedVersion() : lds.ackedVersion(),
                    r.getNonce(), "proxy error handling version " + r.getVersionInfo() + ": " + e);
        }
    }

    private void handle(DiscoveryResponse r) {
        connected = true;
        backoffMs = MIN_BACKOFF_MS;
        switch (r.getTypeUrl()) {
            case XdsResources.CLUSTER_TYPE -> {
                ResourceUpdate<ClusterConfig> u = SotwMerger.clusters(r.getResourcesList(), clusters);
                Applied a = apply(new ProxyConfig(List.copyOf(listeners.values()), u.resources()));
                if (a.applied()) {
                    clusters = u.resources();
                    cdsReceived = true;
                }
                finish("cds", r, u, a);
                requestLds();
            }
            case XdsResources.LISTENER_TYPE -> {
                ResourceUpdate<ListenerConfig> u = SotwMerger.listeners(r.getResourcesList(), listeners);
                Applied a = apply(new ProxyConfig(List.copyOf(u.resources().values()), clusters));
                if (a.applied()) {
                    listeners = u.resources();
                    ldsReceived = true;
                }
                finish("lds", r, u, a);
            }
            case MeshSecrets.SECRET_TYPE -> handleSecrets(r);
            default -> send(r.getTypeUrl(), "", r.getNonce(), "unsupported type " + r.getTypeUrl()
                    + " (supported: " + XdsResources.CLUSTER_TYPE + ", " + XdsResources.LISTENER_TYPE + ")");
        }
        if (cdsReceived && ldsReceived) {
            synced = true;
        }
    }

    /** A Secret response: the trust bundles, all or nothing (a rejected response keeps the last good bundles). */
    private void handleSecrets(DiscoveryResponse r) {
        Consumer<Map<String, List<java.security.cert.X509Certificate>>> sink = secretSink;
        String error = null;
        if (sink == null) {
            error = "this proxy has no identity: it does not use secrets";
        } else {
            try {
                sink.accept(MeshSecrets.parse(r.getResourcesList()));
            } catch (XdsRejection e) {
                error = e.getMessage();
            } catch (RuntimeException e) {
                error = "secrets: " + e;
            }
        }
        if (error == null) {
            sds = sds.ack(r.getVersionInfo());
            send(r.getTypeUrl(), r.getVersionInfo(), r.getNonce(), null);
        } else {
            LOG.warning("xds: NACK sds version " + r.getVersionInfo() + ": " + error);
            sds = sds.nack(r.getVersionInfo(), error);
            send(r.getTypeUrl(), sds.ackedVersion(), r.getNonce(), error);
        }
        onEvent.accept("sds" + (error == null ? ":accepted" : ":rejected"));
    }

    /** The outcome of applying one response: whether the config was swapped in, and what to NACK (or null). */
    private record Applied(boolean applied, String error) {}

    /** Applies; a config the sink refuses changes nothing, listeners that cannot be bound are reported. */
    private Applied apply(ProxyConfig config) {
        try {
            Map<String, String> bindErrors = sink.apply(config);
            if (bindErrors.isEmpty()) {
                return new Applied(true, null);
            }
            StringBuilder sb = new StringBuilder();
            for (var e : bindErrors.entrySet()) {
                if (!sb.isEmpty()) {
                    sb.append("; ");
                }
                sb.append("listener ").append(e.getKey()).append(": ").append(e.getValue());
            }
            return new Applied(true, sb.toString());
        } catch (Exception e) {
            return new Applied(false, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private void finish(String type, DiscoveryResponse r, ResourceUpdate<?> u, Applied applied) {
        String error = u.accepted() ? applied.error()
                : applied.error() == null ? u.errorDetail() : u.errorDetail() + "; " + applied.error();
        TypeStatus st = type.equals("cds") ? cds : lds;
        if (error == null) {
            repeatNackDelayMs = 0;
            st = st.ack(r.getVersionInfo());
            send(r.getTypeUrl(), r.getVersionInfo(), r.getNonce(), null);
        } else if (r.getVersionInfo().equals(st.nackedVersion()) && error.equals(st.nackReason())) {
            // the server sent the rejected version again (some servers answer every NACK that way): NACK it again,
            // but not at once, so that the two sides do not spin
            repeatNackDelayMs = repeatNackDelayMs == 0 ? 250 : Math.min(MAX_REPEAT_NACK_DELAY_MS, repeatNackDelayMs * 2);
            int id = streamId;
            String nonce = r.getNonce();
            String acked = st.ackedVersion();
            String typeUrl = r.getTypeUrl();
            executor.schedule(() -> {
                if (id == streamId && !closed && requests != null) {
                    send(typeUrl, acked, nonce, error);
                }
            }, repeatNackDelayMs, TimeUnit.MILLISECONDS);
            return;
        } else {
            LOG.warning("xds: NACK " + type + " version " + r.getVersionInfo() + ": " + error);
            st = st.nack(r.getVersionInfo(), error);
            send(r.getTypeUrl(), st.ackedVersion(), r.getNonce(), error);
        }
        if (type.equals("cds")) {
            cds = st;
        } else {
            lds = st;
        }
        onEvent.accept(type + (error == null ? ":accepted" : ":rejected"));
    }

    private void onStreamEnd(int id, Throwable t) {
        if (id != streamId || closed) {
            return;
        }
        connected = false;
        requests = null;
        long delay = backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        LOG.log(Level.INFO, "xds: stream to " + target + " ended (" + (t == null ? "completed" : t.getMessage())
                + "); reconnecting in " + delay + " ms, serving the last config meanwhile");
        streamId++;
        executor.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            executor.submit(() -> {
                closed = true;
                StreamObserver<DiscoveryRequest> r = requests;
                requests = null;
                if (r != null) {
                    try {
                        r.onCompleted();
                    } catch (RuntimeException ignored) {
                        // the stream is gone already
                    }
                }
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.FINE, "xds: close", e);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        grpcIo.shutdownNow();
    }
}
