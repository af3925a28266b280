package dev.lattice.control.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.control.ProxyId;
import dev.lattice.control.translate.ProxyXds;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The ADS server (state of the world): java-control-plane's {@link V3DiscoveryServer} over a
 * {@link SimpleCache} keyed by {@code node.id}, served by grpc-java on loopback. {@link #publish} sets one
 * snapshot per proxy; versions are content hashes per type, so the same content never causes a push.
 * Every stream is tracked: connection, node metadata, and per type the version sent, ACKed and NACKed.
 *
 * <p>Make before break: a cluster that a proxy's new listeners no longer use stays in its CDS until the
 * proxy ACKs those listeners (at most {@link #LINGER_MAX}), because ADS sends CDS before LDS and the old
 * routes would otherwise point at a cluster that is gone. A NACK does not make the cache resend the rejected
 * version (see {@link NodeOnEveryRequest}); the proxy gets the next version when the config changes.
 */
public final class XdsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(XdsServer.class.getName());

    private final SimpleCache<String> cache;
    private final Server server;
    private final Tracker tracker;
    /** How long clusters that a proxy's new listeners no longer use stay when it does not ACK them. */
    static final java.time.Duration LINGER_MAX = java.time.Duration.ofSeconds(30);
    private final Map<String, Published> published = new HashMap<>();
    private final java.util.concurrent.ScheduledExecutorService pruner =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("xds-pruner").factory());

    private XdsServer(SimpleCache<String> cache, Server server, Tracker tracker) {
        this.cache = cache;
        this.server = server;
        this.tracker = tracker;
        tracker.onListenersAcked = (node, version) -> {
            try {
                pruner.execute(() -> prune(node, version));
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closed: nothing left to prune
            }
        };
    }

    /** Starts serving ADS on {@code host:port} (port 0 picks a free one). */
    public static XdsServer start(String host, int port) {
        return start(host, port, Clock.systemUTC());
    }

    /**
     * Starts serving ADS on {@code host:port}, with {@code services} (such as the certificate-signing API) on
     * the same port.
     */
    public static XdsServer start(String host, int port, List<io.grpc.ServerServiceDefinition> services) {
        return start(host, port, Clock.systemUTC(), services);
    }

    static XdsServer start(String host, int port, Clock clock) {
        return start(host, port, clock, List.of());
    }

    static XdsServer start(String host, int port, Clock clock, List<io.grpc.ServerServiceDefinition> services) {
        requireNonNull(host, "host");
        Tracker tracker = new Tracker(clock);
        SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
        V3DiscoveryServer discovery = new V3DiscoveryServer(tracker, cache);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .addService(ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(),
                        new NodeOnEveryRequest()))
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        services.forEach(builder::addService);
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("xDS server: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new XdsServer(cache, server, tracker);
    }

    /** The port ADS is served on. */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /**
     * Makes {@code proxies} the whole set of configs: each proxy gets a snapshot (unchanged content keeps its
     * version, so nothing is pushed); proxies no longer present lose theirs.
     */
    public synchronized void publish(Map<ProxyId, ProxyXds> proxies) {
        requireNonNull(proxies, "proxies");
        Map<String, Published> next = new HashMap<>();
        for (Map.Entry<ProxyId, ProxyXds> e : proxies.entrySet()) {
            ProxyXds x = e.getValue();
            String node = e.getKey().nodeId();
            Published old = published.get(node);
            // make before break: clusters that the proxy had stay until it ACKs the listeners that stop using them
            Set<String> wanted = new java.util.HashSet<>();
            x.clusters().forEach(c -> wanted.add(c.getName()));
            List<Cluster> lingering = new ArrayList<>();
            if (old != null) {
                for (Cluster c : old.effectiveClusters()) {
                    if (!wanted.contains(c.getName())) lingering.add(c);
                }
            }
            Published p = Published.of(x.clusters(), lingering, x.listeners(), x.secrets());
            next.put(node, p);
            if (old == null || !old.sameVersions(p)) {
                cache.setSnapshot(node, p.snapshot());
            }
            if (!lingering.isEmpty()) {
                ProxyXdsState st = tracker.states().get(node);
                if (st != null && p.ldsVersion().equals(st.ackedVersions().get("LDS"))) {
                    pruner.schedule(() -> prune(node, p.ldsVersion()), 0, TimeUnit.MILLISECONDS);
                }
                pruner.schedule(() -> pruneIfStill(node, p), LINGER_MAX.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        for (String node : Set.copyOf(published.keySet())) {
            if (!next.containsKey(node)) {
                cache.clearSnapshot(node);
            }
        }
        published.clear();
        published.putAll(next);
    }

    /** The proxy ACKed listeners {@code ldsVersion}: clusters kept only for the listeners before go now. */
    private synchronized void prune(String node, String ldsVersion) {
        Published p = published.get(node);
        if (p == null || p.lingering().isEmpty() || !p.ldsVersion().equals(ldsVersion)) return;
        Published pruned = Published.of(p.wanted(), List.of(), p.listeners(), p.secrets());
        published.put(node, pruned);
        cache.setSnapshot(node, pruned.snapshot());
    }

    /** The proxy never ACKed (gone, or NACKing): after {@link #LINGER_MAX} the old clusters go anyway. */
    private synchronized void pruneIfStill(String node, Published p) {
        if (published.get(node) == p) prune(node, p.ldsVersion());
    }

    /** What one node is sent: the clusters it should have, those kept for a while, and its listeners. */
    private record Published(List<Cluster> wanted, List<Cluster> lingering, List<Listener> listeners,
                             List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets,
                             String cdsVersion, String ldsVersion, String sdsVersion, Snapshot snapshot) {
        static Published of(List<Cluster> wanted, List<Cluster> lingering, List<Listener> listeners,
                            List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets) {
            List<Cluster> effective = new ArrayList<>(wanted);
            effective.addAll(lingering);
            String cv = version(effective);
            String lv = version(listeners);
            String sv = secrets.isEmpty() ? "" : version(secrets);
            Snapshot s = Snapshot.create(effective, cv, List.of(), "", listeners, lv, List.of(), "", secrets, sv);
            return new Published(List.copyOf(wanted), List.copyOf(lingering), List.copyOf(listeners), List.copyOf(secrets),
                    cv, lv, sv, s);
        }

        List<Cluster> effectiveClusters() {
            List<Cluster> all = new ArrayList<>(wanted);
            all.addAll(lingering);
            return all;
        }

        boolean sameVersions(Published o) {
            return cdsVersion.equals(o.cdsVersion) && ldsVersion.equals(o.ldsVersion) && sdsVersion.equals(o.sdsVersion);
        }
    }

    /** The version currently published to {@code id} for a type URL, or null. */
    public synchronized String publishedVersion(ProxyId id, String typeUrl) {
        Published p = published.get(id.nodeId());
        return p == null ? null : p.snapshot().version(typeUrl);
    }

    /** What is known about every node that ever connected, by node id. */
    public Map<String, ProxyXdsState> states() {
        return tracker.states();
    }

    /** What is known about one node, or null if it never connected. */
    public ProxyXdsState state(ProxyId id) {
        return tracker.states().get(id.nodeId());
    }

    @Override
    public void close() {
        pruner.shutdownNow();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A short, stable content hash of resources (deterministic protobuf serialization, SHA-256). */
    static String version(List<? extends Message> resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            for (Message m : resources) {
                buf.reset();
                CodedOutputStream out = CodedOutputStream.newInstance(buf);
                out.useDeterministicSerialization();
                m.writeTo(out);
                out.flush();
                byte[] bytes = buf.toByteArray();
                sha.update(intBytes(bytes.length));
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("xDS: SHA-256 unavailable", e);
        } catch (IOException e) {
            throw new UncheckedIOException("xDS: cannot serialize a resource", e);
        }
    }

    private static byte[] intBytes(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    /**
     * Two fixes at the edge of java-control-plane, per stream:
     * <ul>
     *   <li>xDS lets a client send {@code node} only on a stream's first request, but the cache finds the
     *       snapshot by the node of each request: the stream's node is put on every request that lacks it;</li>
     *   <li>a NACK carries the last ACKed version, which the cache takes as "out of date" and answers at once
     *       with the very version that was rejected, again and again: a NACK is passed on with the rejected
     *       version instead, so the cache waits for a new one (as Envoy expects).</li>
     * </ul>
     */
    static final class NodeOnEveryRequest implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            Map<String, String> versionByNonce = new ConcurrentHashMap<>();
            ServerCall<Q, R> tracking = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendMessage(R message) {
                    if (message instanceof DiscoveryResponse r) {
                        if (versionByNonce.size() > 64) versionByNonce.clear();
                        versionByNonce.put(r.getNonce(), r.getVersionInfo());
                    }
                    super.sendMessage(message);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(tracking, headers)) {
                private Node node;

                @Override
                @SuppressWarnings("unchecked")
                public void onMessage(Q message) {
                    if (message instanceof DiscoveryRequest r) {
                        DiscoveryRequest.Builder b = null;
                        if (r.hasNode()) {
                            node = r.getNode();
                        } else if (node != null) {
                            b = r.toBuilder().setNode(node);
                        }
                        String rejected = versionByNonce.remove(r.getResponseNonce());
                        if (r.hasErrorDetail() && rejected != null) {
                            b = (b == null ? r.toBuilder() : b).setVersionInfo(rejected);
                        }
                        if (b != null) message = (Q) b.build();
                    }
                    super.onMessage(message);
                }
            };
        }
    }

    /** Tracks streams, ACKs and NACKs (callbacks run on gRPC's executor, never on an event loop). */
    static final class Tracker implements DiscoveryServerCallbacks {
        private final Clock clock;
        private final Map<Long, String> streamNode = new ConcurrentHashMap<>();
        /** stream → nonce → (type, version) of the responses sent on it. */
        private final Map<Long, Map<String, String[]>> sent = new ConcurrentHashMap<>();
        private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
        volatile java.util.function.BiConsumer<String, String> onListenersAcked = (node, version) -> { };

        Tracker(Clock clock) {
            this.clock = clock;
        }

        private static final class NodeState {
            final Set<Long> streams = ConcurrentHashMap.newKeySet();
            volatile Long pid;
            volatile Integer adminPort;
            volatile String version;
            final Map<String, String> sentVersions = new ConcurrentHashMap<>();
            final Map<String, String> acked = new ConcurrentHashMap<>();
            final Map<String, ProxyXdsState.Nack> nacks = new ConcurrentHashMap<>();
            volatile Instant lastSeen;
        }

        Map<String, ProxyXdsState> states() {
            Map<String, ProxyXdsState> out = new TreeMap<>();
            nodes.forEach((id, n) -> out.put(id, new ProxyXdsState(id, !n.streams.isEmpty(), n.pid, n.adminPort,
                    n.version, new TreeMap<>(n.sentVersions), new TreeMap<>(n.acked), new TreeMap<>(n.nacks),
                    n.lastSeen)));
            return Map.copyOf(out);
        }

        @Override
        public void onStreamClose(long streamId, String typeUrl) {
            closed(streamId);
        }

        @Override
        public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
            closed(streamId);
        }

        private void closed(long streamId) {
            sent.remove(streamId);
            String node = streamNode.remove(streamId);
            if (node != null) {
                NodeState n = nodes.get(node);
                if (n != null) {
                    n.streams.remove(streamId);
                    n.lastSeen = clock.instant();
                }
            }
        }

        @Override
        public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            String nodeId = streamNode.get(streamId);
            if (nodeId == null && request.hasNode() && !request.getNode().getId().isEmpty()) {
                nodeId = request.getNode().getId();
                streamNode.put(streamId, nodeId);
            }
            if (nodeId == null) {
                return;
            }
            NodeState n = nodes.computeIfAbsent(nodeId, k -> new NodeState());
            n.streams.add(streamId);
            n.lastSeen = clock.instant();
            if (request.hasNode()) {
                Struct md = request.getNode().getMetadata();
                Value pid = md.getFieldsMap().get("pid");
                if (pid != null && pid.hasNumberValue()) n.pid = (long) pid.getNumberValue();
                Value admin = md.getFieldsMap().get("admin_port");
                if (admin != null && admin.hasNumberValue()) n.adminPort = (int) admin.getNumberValue();
                Value version = md.getFieldsMap().get("version");
                if (version != null && version.hasStringValue()) n.version = version.getStringValue();
            }
            String type = XdsTypes.shortName(request.getTypeUrl());
            if (request.getResponseNonce().isEmpty()) {
                return; // a subscription, neither ACK nor NACK
            }
            if (request.hasErrorDetail()) {
                String[] rejected = sent.getOrDefault(streamId, Map.of()).get(request.getResponseNonce());
                String version = rejected != null ? rejected[1] : "";
                n.nacks.put(type, new ProxyXdsState.Nack(type, version, request.getErrorDetail().getMessage(),
                        clock.instant()));
                LOG.log(Level.WARNING, () -> "xDS: " + streamNode.get(streamId) + " NACKed " + type + " version "
                        + version + ": " + request.getErrorDetail().getMessage());
            } else {
                n.acked.put(type, request.getVersionInfo());
                n.nacks.remove(type);
                if (type.equals("LDS")) onListenersAcked.accept(nodeId, request.getVersionInfo());
            }
            Map<String, String[]> s = sent.get(streamId);
            if (s != null) {
                s.remove(request.getResponseNonce());
            }
        }

        @Override
        public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            // delta xDS is not served yet (docs/xds.md: state of the world)
        }

        @Override
        public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
            sent.computeIfAbsent(streamId, k -> new ConcurrentHashMap<>())
                    .put(response.getNonce(), new String[] {XdsTypes.shortName(response.getTypeUrl()),
                            response.getVersionInfo()});
            String nodeId = streamNode.get(streamId);
            if (nodeId != null) {
                NodeState n = nodes.get(nodeId);
                if (n != null) n.sentVersions.put(XdsTypes.shortName(response.getTypeUrl()), response.getVersionInfo());
            }
        }
    }
}
