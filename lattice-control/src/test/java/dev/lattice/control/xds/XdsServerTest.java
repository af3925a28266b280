package dev.lattice.control.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.lattice.control.ProxyId;
import dev.lattice.control.translate.ProxyXds;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class XdsServerTest {
    private static final ProxyId GW = new ProxyId(ProxyId.Role.GATEWAY, "default", "bookstore");
    private XdsServer xds;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        xds = XdsServer.start("127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        xds.close();
    }

    static Listener listener(int port) {
        return Listener.newBuilder().setName("gateway/" + port)
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)))
                .build();
    }

    static Cluster cluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC).build();
    }

    /** A real ADS stream, as a proxy opens it. */
    final class AdsClient implements AutoCloseable {
        final LinkedBlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        final StreamObserver<DiscoveryRequest> requests;

        AdsClient() {
            requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse r) {
                    responses.add(r);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            });
        }

        void send(DiscoveryRequest r) {
            requests.onNext(r);
        }

        DiscoveryResponse next() throws InterruptedException {
            DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a response from the xDS server").isNotNull();
            return r;
        }

        @Override
        public void close() {
            requests.onCompleted();
        }
    }

    static Node node(ProxyId id) {
        return Node.newBuilder().setId(id.nodeId())
                .setMetadata(Struct.newBuilder()
                        .putFields("pid", Value.newBuilder().setNumberValue(4242).build())
                        .putFields("admin_port", Value.newBuilder().setNumberValue(15000).build())
                        .putFields("version", Value.newBuilder().setStringValue("test").build()))
                .build();
    }

    static void await(String what, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void tracksAckNackMetadataAndConnection() throws Exception {
        xds.publish(Map.of(GW, new ProxyXds(GW, List.of(listener(8080)), List.of(cluster("default/books/9080")))));
        try (AdsClient ads = new AdsClient()) {
            ads.send(DiscoveryRequest.newBuilder().setNode(node(GW)).setTypeUrl(XdsTypes.CLUSTER).build());
            DiscoveryResponse cds = ads.next();
            assertThat(cds.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(cds.getResourcesList()).hasSize(1);
            assertThat(cds.getVersionInfo()).isEqualTo(xds.publishedVersion(GW, XdsTypes.CLUSTER));
            // ACK CDS, subscribe LDS
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.CLUSTER)
                    .setVersionInfo(cds.getVersionInfo()).setResponseNonce(cds.getNonce()).build());
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER).build());
            DiscoveryResponse lds = ads.next();
            assertThat(lds.getTypeUrl()).isEqualTo(XdsTypes.LISTENER);
            // NACK LDS
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER).setResponseNonce(lds.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3)
                            .setMessage("listener gateway/8080: filter_chains: must have exactly one"))
                    .build());
            await("the NACK", () -> xds.state(GW) != null && xds.state(GW).lastNack() != null
                    && "CDS".equals(xds.state(GW).ackedVersions().keySet().stream().findFirst().orElse("")));
            ProxyXdsState s = xds.state(GW);
            assertThat(s.connected()).isTrue();
            assertThat(s.pid()).isEqualTo(4242L);
            assertThat(s.adminPort()).isEqualTo(15000);
            assertThat(s.proxyVersion()).isEqualTo("test");
            assertThat(s.ackedVersions()).containsExactly(Map.entry("CDS", cds.getVersionInfo()));
            assertThat(s.lastNack().type()).isEqualTo("LDS");
            assertThat(s.lastNack().version()).isEqualTo(lds.getVersionInfo());
            assertThat(s.lastNack().reason()).isEqualTo("listener gateway/8080: filter_chains: must have exactly one");
            assertThat(s.sentVersions()).containsEntry("LDS", lds.getVersionInfo());

            // the same content again: same version, nothing pushed
            xds.publish(Map.of(GW, new ProxyXds(GW, List.of(listener(8080)), List.of(cluster("default/books/9080")))));
            assertThat(ads.responses.poll(500, TimeUnit.MILLISECONDS)).isNull();

            // a new listener: only LDS is pushed; its ACK clears the NACK
            xds.publish(Map.of(GW, new ProxyXds(GW, List.of(listener(8081)), List.of(cluster("default/books/9080")))));
            DiscoveryResponse lds2 = ads.next();
            assertThat(lds2.getTypeUrl()).isEqualTo(XdsTypes.LISTENER);
            assertThat(lds2.getVersionInfo()).isNotEqualTo(lds.getVersionInfo());
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER)
                    .setVersionInfo(lds2.getVersionInfo()).setResponseNonce(lds2.getNonce()).build());
            await("the LDS ACK", () -> lds2.getVersionInfo().equals(xds.state(GW).ackedVersions().get("LDS")));
            assertThat(xds.state(GW).lastNack()).isNull();
            assertThat(ads.responses.poll(300, TimeUnit.MILLISECONDS)).as("CDS is not pushed again").isNull();
        }
        await("the stream closed", () -> !xds.state(GW).connected());
    }

    @Test
    void eachNodeGetsOnlyItsOwnSnapshot() throws Exception {
        ProxyId sidecar = new ProxyId(ProxyId.Role.SIDECAR, "default", "books-v1");
        xds.publish(Map.of(
                GW, new ProxyXds(GW, List.of(listener(8080)), List.of(cluster("a"))),
                sidecar, new ProxyXds(sidecar, List.of(listener(15001)), List.of(cluster("b"), cluster("c")))));
        try (AdsClient ads = new AdsClient()) {
            ads.send(DiscoveryRequest.newBuilder().setNode(node(sidecar)).setTypeUrl(XdsTypes.CLUSTER).build());
            DiscoveryResponse cds = ads.next();
            assertThat(cds.getResourcesList()).hasSize(2);
            assertThat(cds.getResources(0).unpack(Cluster.class).getName()).isIn("b", "c");
        }
    }

    @Test
    void removedClustersStayUntilTheListenersThatStopUsingThemAreAcked() throws Exception {
        xds.publish(Map.of(GW, new ProxyXds(GW, List.of(listener(8080)), List.of(cluster("a"), cluster("b")))));
        try (AdsClient ads = new AdsClient()) {
            ads.send(DiscoveryRequest.newBuilder().setNode(node(GW)).setTypeUrl(XdsTypes.CLUSTER).build());
            DiscoveryResponse cds = ads.next();
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.CLUSTER)
                    .setVersionInfo(cds.getVersionInfo()).setResponseNonce(cds.getNonce()).build());
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER).build());
            DiscoveryResponse lds = ads.next();
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER)
                    .setVersionInfo(lds.getVersionInfo()).setResponseNonce(lds.getNonce()).build());
            await("the first LDS ACK", () -> lds.getVersionInfo().equals(xds.state(GW).ackedVersions().get("LDS")));

            // b is no longer used: the new listeners come first, b stays in CDS meanwhile
            xds.publish(Map.of(GW, new ProxyXds(GW, List.of(listener(8081)), List.of(cluster("a")))));
            DiscoveryResponse lds2 = ads.next();
            assertThat(lds2.getTypeUrl()).as("listeners before clusters are removed").isEqualTo(XdsTypes.LISTENER);
            assertThat(ads.responses.poll(300, TimeUnit.MILLISECONDS)).as("no CDS before the LDS ACK").isNull();
            ads.send(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER)
                    .setVersionInfo(lds2.getVersionInfo()).setResponseNonce(lds2.getNonce()).build());
            DiscoveryResponse cds2 = ads.next();
            assertThat(cds2.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(cds2.getResourcesList()).hasSize(1);
            assertThat(cds2.getResources(0).unpack(Cluster.class).getName()).isEqualTo("a");
            assertThat(cds2.getVersionInfo()).isEqualTo(xds.publishedVersion(GW, XdsTypes.CLUSTER));
        }
    }

    @Test
    void versionsAreContentHashes() {
        assertThat(XdsServer.version(List.of(listener(1)))).isEqualTo(XdsServer.version(List.of(listener(1))));
        assertThat(XdsServer.version(List.of(listener(1)))).isNotEqualTo(XdsServer.version(List.of(listener(2))));
        assertThat(XdsServer.version(List.of(listener(1), listener(2))))
                .isNotEqualTo(XdsServer.version(List.of(listener(2), listener(1))));
    }
}
