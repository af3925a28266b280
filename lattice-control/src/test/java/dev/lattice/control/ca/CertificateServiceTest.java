package dev.lattice.control.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.api.ca.v1.CertificateServiceGrpc;
import dev.lattice.api.ca.v1.CreateCertificateRequest;
import dev.lattice.api.ca.v1.CreateCertificateResponse;
import dev.lattice.control.xds.XdsServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The signing API over a real gRPC server (the ADS port) and a real client. */
class CertificateServiceTest {
    final BootstrapTokens tokens = new BootstrapTokens();
    final MeshCa ca = MeshCa.createRoot(Instant.now());
    final AtomicReference<CertificateService.Settings> settings =
            new AtomicReference<>(new CertificateService.Settings(ca, "cluster.local", Duration.ofHours(24)));
    final CertificateService service = new CertificateService(tokens, settings::get, Clock.systemUTC());
    XdsServer server;
    ManagedChannel channel;

    @BeforeEach
    void start() {
        server = XdsServer.start("127.0.0.1", 0, List.of(service.definition()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    CreateCertificateResponse call(String token, String csr, long validity) {
        CertificateServiceGrpc.CertificateServiceBlockingStub stub = CertificateServiceGrpc.newBlockingStub(channel);
        if (token != null) {
            Metadata md = new Metadata();
            md.put(CertificateService.AUTHORIZATION, "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        }
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS).createCertificate(
                CreateCertificateRequest.newBuilder().setCsr(csr).setValidityDuration(validity).build());
    }

    static Status.Code code(Runnable r) {
        try {
            r.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        return Status.Code.OK;
    }

    @Test
    void signsForTheTokensIdentityAndRemembersIt() throws Exception {
        String token = tokens.mint(new BootstrapTokens.Grant("sidecar~reviews", "shop", "reviews"));
        CreateCertificateResponse r = call(token, MeshCaTest.csr(MeshCaTest.ec(), null), 0);
        assertThat(r.getSpiffeId()).isEqualTo("spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(r.getCertChainList()).hasSize(2);
        assertThat(r.getCertChain(1)).isEqualTo(ca.rootPem());
        X509Certificate leaf = MeshCa.parseCertificates(r.getCertChain(0)).getFirst();
        leaf.verify(ca.certificate().getPublicKey());
        assertThat(service.issued()).containsKey("sidecar~reviews");
        assertThat(service.issued().get("sidecar~reviews").notAfter()).isEqualTo(leaf.getNotAfter().toInstant());
        assertThat(service.issued().get("sidecar~reviews").identity().toString()).isEqualTo(r.getSpiffeId());
    }

    @Test
    void theLifetimeIsTheMeshsOrLessAndAtLeastAMinute() throws Exception {
        String token = tokens.mint(new BootstrapTokens.Grant("p", "shop", "reviews"));
        settings.set(new CertificateService.Settings(ca, "example.org", Duration.ofMinutes(10)));
        Instant before = Instant.now();
        X509Certificate longAsked = MeshCa.parseCertificates(call(token, MeshCaTest.csr(MeshCaTest.ec(), null), 86_400)
                .getCertChain(0)).getFirst();
        assertThat(longAsked.getNotAfter().toInstant()).isBefore(before.plus(Duration.ofMinutes(11)));
        CreateCertificateResponse shortAsked = call(token, MeshCaTest.csr(MeshCaTest.ec(), null), 120);
        assertThat(shortAsked.getSpiffeId()).isEqualTo("spiffe://example.org/ns/shop/sa/reviews");
        assertThat(MeshCa.parseCertificates(shortAsked.getCertChain(0)).getFirst().getNotAfter().toInstant())
                .isBefore(before.plus(Duration.ofMinutes(3)));
        String csr = MeshCaTest.csr(MeshCaTest.ec(), null);
        assertThat(code(() -> call(token, csr, 30))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void refusesWithTheStatusTheProtoNames() throws Exception {
        String token = tokens.mint(new BootstrapTokens.Grant("p", "shop", "reviews"));
        String csr = MeshCaTest.csr(MeshCaTest.ec(), null);
        assertThat(code(() -> call(null, csr, 0))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(code(() -> call("not-a-token", csr, 0))).isEqualTo(Status.Code.UNAUTHENTICATED);
        String other = MeshCaTest.csr(MeshCaTest.ec(), "spiffe://cluster.local/ns/shop/sa/admin");
        assertThat(code(() -> call(token, other, 0))).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> call(token, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", 0)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        tokens.revoke(token);
        assertThat(code(() -> call(token, csr, 0))).isEqualTo(Status.Code.UNAUTHENTICATED);
        String t2 = tokens.mint(new BootstrapTokens.Grant("p2", "shop", "reviews"));
        settings.set(new CertificateService.Settings(null, "cluster.local", Duration.ofHours(1)));
        assertThat(code(() -> call(t2, csr, 0))).isEqualTo(Status.Code.UNAVAILABLE);
        assertThatThrownBy(() -> call(t2, csr, 0)).hasMessageContaining("no usable CA");
    }
}
