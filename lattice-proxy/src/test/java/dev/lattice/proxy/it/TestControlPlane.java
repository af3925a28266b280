package dev.lattice.proxy.it;

import com.google.protobuf.util.JsonFormat;
import dev.lattice.proxy.xds.XdsResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An in-process xDS server: java-control-plane's SimpleCache and V3DiscoveryServer on grpc-netty-shaded. */
final class TestControlPlane implements AutoCloseable {
    static final String GROUP = "all";
    final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    final Server server;

    TestControlPlane() throws IOException {
        this(0);
    }

    TestControlPlane(int port) throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(cache);
        server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Sets the snapshot from proto3 JSON resources. */
    void set(String version, List<String> listeners, List<String> clusters) throws IOException {
        var parser = JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry());
        List<Listener> ls = new ArrayList<>();
        for (String l : listeners) {
            Listener.Builder b = Listener.newBuilder();
            parser.merge(l, b);
            ls.add(b.build());
        }
        List<Cluster> cs = new ArrayList<>();
        for (String c : clusters) {
            Cluster.Builder b = Cluster.newBuilder();
            parser.merge(c, b);
            cs.add(b.build());
        }
        cache.setSnapshot(GROUP, Snapshot.create(cs, List.of(), ls, List.of(), List.of(), version));
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
