package dev.lattice.control.ca;

import static java.util.Objects.requireNonNull;

import dev.lattice.api.ca.v1.CertificateServiceGrpc;
import dev.lattice.api.ca.v1.CreateCertificateRequest;
import dev.lattice.api.ca.v1.CreateCertificateResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code lattice.ca.v1.CertificateService}: signs a proxy's CSR for the identity its bootstrap token fixes
 * ({@code authorization: Bearer <token>}), for the mesh's certificate lifetime or less. Remembers the last
 * certificate issued to each holder, for {@code lattice status} and {@code /api/v1/proxies}.
 */
public final class CertificateService extends CertificateServiceGrpc.CertificateServiceImplBase {
    private static final Logger LOG = Logger.getLogger(CertificateService.class.getName());
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<BootstrapTokens.Grant> GRANT = Context.key("lattice-grant");
    /** The shortest lifetime a caller may ask for. */
    static final Duration MIN_LIFETIME = Duration.ofMinutes(1);

    /** What signing needs now: the CA (null while there is no usable one), the trust domain, the mesh's lifetime. */
    public record Settings(MeshCa ca, String trustDomain, Duration lifetime) {
        public Settings {
            requireNonNull(trustDomain, "trustDomain");
            requireNonNull(lifetime, "lifetime");
        }
    }

    /** The last certificate issued to a holder. */
    public record Issued(SpiffeId identity, Instant notAfter, Instant issuedAt, String serial) {}

    private final BootstrapTokens tokens;
    private final Supplier<Settings> settings;
    private final Clock clock;
    private final Map<String, Issued> issued = new ConcurrentHashMap<>();

    public CertificateService(BootstrapTokens tokens, Supplier<Settings> settings, Clock clock) {
        this.tokens = requireNonNull(tokens, "tokens");
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
    }

    /** The service with its token check, to add to a gRPC server. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(this, new TokenCheck());
    }

    /** The last certificate issued per holder (node id). */
    public Map<String, Issued> issued() {
        return Map.copyOf(issued);
    }

    @Override
    public void createCertificate(CreateCertificateRequest req, StreamObserver<CreateCertificateResponse> out) {
        BootstrapTokens.Grant grant = GRANT.get();
        if (grant == null) {
            out.onError(Status.UNAUTHENTICATED.withDescription("no bootstrap token").asRuntimeException());
            return;
        }
        Settings s = settings.get();
        if (s.ca() == null) {
            out.onError(Status.UNAVAILABLE.withDescription("the mesh has no usable CA").asRuntimeException());
            return;
        }
        Duration lifetime = s.lifetime();
        if (req.getValidityDuration() < 0) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("validity_duration must not be negative").asRuntimeException());
            return;
        }
        if (req.getValidityDuration() > 0) {
            Duration asked = Duration.ofSeconds(req.getValidityDuration());
            if (asked.compareTo(MIN_LIFETIME) < 0) {
                out.onError(Status.INVALID_ARGUMENT.withDescription("validity_duration must be at least "
                        + MIN_LIFETIME.toSeconds() + " s").asRuntimeException());
                return;
            }
            if (asked.compareTo(lifetime) < 0) lifetime = asked;
        }
        SpiffeId id;
        try {
            id = grant.identity(s.trustDomain());
        } catch (IllegalArgumentException e) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("identity: " + e.getMessage()).asRuntimeException());
            return;
        }
        Instant now = clock.instant();
        List<X509Certificate> chain;
        try {
            chain = s.ca().sign(req.getCsr(), id, lifetime, now);
        } catch (MeshCa.CsrException e) {
            Status st = e.permission() ? Status.PERMISSION_DENIED : Status.INVALID_ARGUMENT;
            LOG.info(() -> "CA: refused a CSR from " + grant.holder() + ": " + e.getMessage());
            out.onError(st.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        X509Certificate leaf = chain.getFirst();
        issued.put(grant.holder(), new Issued(id, leaf.getNotAfter().toInstant(), now, leaf.getSerialNumber().toString(16)));
        LOG.fine(() -> "CA: issued " + id + " to " + grant.holder() + " until " + leaf.getNotAfter().toInstant());
        CreateCertificateResponse.Builder resp = CreateCertificateResponse.newBuilder().setSpiffeId(id.toString());
        chain.forEach(c -> resp.addCertChain(MeshCa.pem(c)));
        out.onNext(resp.build());
        out.onCompleted();
    }

    /** Resolves the bearer token; a call without a known one ends UNAUTHENTICATED before the service sees it. */
    private final class TokenCheck implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            String auth = headers.get(AUTHORIZATION);
            String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
            BootstrapTokens.Grant grant = tokens.resolve(token);
            if (grant == null) {
                call.close(Status.UNAUTHENTICATED.withDescription(token == null
                        ? "no bootstrap token (authorization: Bearer <token>)" : "unknown bootstrap token"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return Contexts.interceptCall(Context.current().withValue(GRANT, grant), call, headers, next);
        }
    }
}
