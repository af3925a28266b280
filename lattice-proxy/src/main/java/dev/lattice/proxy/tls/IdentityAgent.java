package dev.lattice.proxy.tls;

import static java.util.Objects.requireNonNull;

import dev.lattice.api.ca.v1.CertificateServiceGrpc;
import dev.lattice.api.ca.v1.CreateCertificateRequest;
import dev.lattice.api.ca.v1.CreateCertificateResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Gets and renews this proxy's certificate: makes a new EC P-256 key (it never leaves the process), sends only a
 * CSR to {@code lattice.ca.v1.CertificateService} with the bootstrap token, and installs the chain it gets into
 * {@link MeshIdentity}. Renews at half the certificate's life with a new key; a failure is retried with backoff
 * (1 s doubling to 30 s) while the current certificate keeps serving.
 */
public final class IdentityAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IdentityAgent.class.getName());
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final long MIN_BACKOFF_MS = 1000;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final CertificateServiceGrpc.CertificateServiceBlockingStub stub;
    private final MeshIdentity identity;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;
    private long backoffMs = MIN_BACKOFF_MS;
    private volatile String lastError;
    private volatile int issued;
    private volatile boolean closed;

    public IdentityAgent(Channel channel, String token, MeshIdentity identity, Clock clock) {
        requireNonNull(channel, "channel");
        requireNonNull(token, "token");
        Metadata md = new Metadata();
        md.put(AUTHORIZATION, "Bearer " + token);
        this.stub = CertificateServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        this.identity = requireNonNull(identity, "identity");
        this.clock = requireNonNull(clock, "clock");
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lattice-proxy-identity");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    /** Asks for the first certificate now. */
    public void start() {
        if (started.compareAndSet(false, true)) executor.execute(this::renew);
    }

    /**
     * Asks for the first certificate after {@code delay}, or at {@link #start()} if that comes first: a proxy starts
     * by getting its config (it is not ready without it), and its key and CSR, which load a fair part of the JCA
     * and BouncyCastle, come after, so that many proxies starting at once on few cores each get config sooner.
     */
    public void startWithin(Duration delay) {
        executor.schedule(this::start, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The last error, or null after a success. */
    public String lastError() {
        return lastError;
    }

    /** How many certificates this agent has installed. */
    public int issued() {
        return issued;
    }

    private void renew() {
        if (closed) return;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            String csr = pem(new JcaPKCS10CertificationRequestBuilder(new X500Name(""), kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            Instant asked = clock.instant();
            CreateCertificateResponse r = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createCertificate(CreateCertificateRequest.newBuilder().setCsr(csr).build());
            List<X509Certificate> chain = new ArrayList<>();
            for (String pem : r.getCertChainList()) chain.addAll(PemParser.certificates(pem));
            if (chain.isEmpty()) throw new IllegalStateException("the CA returned no certificate");
            X509Certificate leaf = chain.getFirst();
            if (!leaf.getPublicKey().equals(kp.getPublic())) throw new IllegalStateException("the certificate is not for our key");
            String id = SpiffeTrustManager.spiffeId(leaf);
            Instant notAfter = leaf.getNotAfter().toInstant();
            identity.setSvid(new MeshIdentity.Svid(id, kp.getPrivate(), chain, notAfter));
            issued++;
            lastError = null;
            backoffMs = MIN_BACKOFF_MS;
            long halfLife = Math.max(1000, Duration.between(asked, notAfter).toMillis() / 2);
            LOG.info(() -> "identity: " + id + " until " + notAfter + "; renewing in " + halfLife / 1000 + " s");
            executor.schedule(this::renew, halfLife, TimeUnit.MILLISECONDS);
        } catch (StatusRuntimeException e) {
            retry("the CA: " + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : ": " + e.getStatus().getDescription()));
        } catch (Exception e) {
            retry(e.toString());
        }
    }

    private void retry(String why) {
        lastError = why;
        if (closed) return;
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        LOG.warning(() -> "identity: no certificate yet or renewal failed (" + why + "); retrying in " + delay + " ms");
        executor.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
    }

    private static String pem(Object o) throws java.io.IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }
}
