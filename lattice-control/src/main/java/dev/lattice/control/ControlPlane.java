package dev.lattice.control;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.jwks.JwksFetcher;
import dev.lattice.control.source.ConfigSource;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.translate.MeshTranslation;
import dev.lattice.control.translate.MeshTranslator;
import dev.lattice.control.translate.ProxyRequest;
import dev.lattice.control.translate.ProxyXds;
import dev.lattice.control.xds.XdsServer;
import dev.lattice.model.Problem;
import dev.lattice.model.ResourceKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One way through: a {@link ConfigSource} → {@link MeshSnapshot} (versioned, ports placed) →
 * {@link MeshTranslator#translate} → {@link XdsServer}. Keeps the statuses (with lastTransitionTime carried
 * over while a condition's status does not change) and the problems. Runs on the source's thread (the
 * source calls its listener from a virtual thread, never concurrently), never on an event loop. A
 * translation that throws is reported as a problem and the last good xDS and statuses keep serving (the
 * snapshot and the proxies it calls for still follow the source, so that new proxies start and wait).
 *
 * <p>Once started, it also fetches the JWKS of every JWTPolicy {@code remoteJWKS.uri} ({@link JwksFetcher}, off the
 * translation thread); each time those keys change, the last source state is translated again (on one refresh thread,
 * coalescing bursts), so that the keys reach the proxies as a new xDS version and the policies' statuses follow.
 * States are handed to {@code onChange} in the order they were translated.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlPlane.class.getName());

    /** Chooses ports for the proxies the resources call for (stable across calls for the same proxy). */
    @FunctionalInterface
    public interface PortPlacement {
        Map<ProxyId, ProxyPorts> place(List<ProxyRequest> requests);
    }

    /**
     * What the control plane serves now: the snapshot translated last (successfully), the proxies it called
     * for and their configs, the statuses, and every current problem (source and translation).
     */
    public record State(MeshSnapshot snapshot, List<ProxyRequest> requests, Map<ProxyId, ProxyXds> proxies,
                        Map<ResourceKey, ObjectNode> statuses, List<Problem> problems, Instant updated) {
        public State {
            requireNonNull(snapshot, "snapshot");
            requests = List.copyOf(requests);
            proxies = Map.copyOf(proxies);
            statuses = Map.copyOf(statuses);
            problems = List.copyOf(problems);
            requireNonNull(updated, "updated");
        }

        static State empty(Instant now) {
            return new State(new MeshSnapshot(0, List.of(), List.of(), Map.of()), List.of(), Map.of(), Map.of(),
                    List.of(), now);
        }
    }

    private final ConfigSource source;
    private final XdsServer xds;
    private final PortPlacement placement;
    private final Clock clock;
    private final Consumer<State> onChange;
    private final dev.lattice.control.ca.IdentityAuthority identity;
    private final Object lock = new Object();
    private final Object deliverLock = new Object();
    private volatile State state;
    private long version;
    /** The sequence number of the state translated last (guarded by lock) and handed to onChange last (deliverLock). */
    private long translated;
    private long delivered;
    /** The source state applied last (refreshes translate it again), and the fetcher of remote JWKS once started. */
    private volatile SourceState lastSource;
    private volatile JwksFetcher jwks;
    private final java.util.concurrent.atomic.AtomicBoolean refreshQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private java.util.concurrent.ExecutorService refresher;
    private volatile boolean closed;

    public ControlPlane(ConfigSource source, XdsServer xds, PortPlacement placement, Clock clock,
                        Consumer<State> onChange) {
        this(source, xds, placement, clock, onChange, null);
    }

    /**
     * A control plane whose proxies have identities from {@code identity} (null: none, every hop plaintext, as in
     * tests of translation alone).
     */
    public ControlPlane(ConfigSource source, XdsServer xds, PortPlacement placement, Clock clock,
                        Consumer<State> onChange, dev.lattice.control.ca.IdentityAuthority identity) {
        this.identity = identity;
        this.source = requireNonNull(source, "source");
        this.xds = requireNonNull(xds, "xds");
        this.placement = requireNonNull(placement, "placement");
        this.clock = requireNonNull(clock, "clock");
        this.onChange = requireNonNull(onChange, "onChange");
        this.state = State.empty(clock.instant());
    }

    /** Starts the source; each state it reports is translated and published. */
    public void start() {
        synchronized (lock) {
            if (jwks == null) {
                refresher = java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofVirtual().name("lattice-refresh").factory());
                jwks = new JwksFetcher(this::refreshSoon);
            }
        }
        source.start(this::apply);
    }

    /** Translates the last source state again soon (once for a burst of calls), e.g. because fetched keys changed. */
    private void refreshSoon() {
        if (closed || !refreshQueued.compareAndSet(false, true)) return;
        try {
            refresher.execute(() -> {
                refreshQueued.set(false);
                SourceState s = lastSource;
                if (s != null && !closed) apply(s);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refreshQueued.set(false); // closing
        }
    }

    /** The state now. */
    public State state() {
        return state;
    }

    public XdsServer xds() {
        return xds;
    }

    /** The mesh's identity authority, or null when proxies have no identities. */
    public dev.lattice.control.ca.IdentityAuthority identity() {
        return identity;
    }

    /** Translates one source state and publishes it (public so that tests and one-shot tools can drive it). */
    public State apply(SourceState s) {
        requireNonNull(s, "s");
        State next;
        long seq;
        synchronized (lock) {
            lastSource = s;
            seq = ++translated;
            State prev = state;
            Instant now = clock.instant();
            List<ProxyRequest> requests = prev.requests();
            MeshSnapshot snapshot = prev.snapshot();
            try {
                requests = MeshTranslator.proxies(s.resources());
                Map<ProxyId, ProxyPorts> ports = placement.place(requests);
                MeshTrust trust = MeshTrust.NONE;
                List<Problem> sourceProblems = s.problems();
                if (identity != null) {
                    var u = identity.update(s.resources());
                    trust = u.trust();
                    sourceProblems = merge(sourceProblems, u.problems());
                }
                Map<String, RemoteJwks> remote = Map.of();
                JwksFetcher fetcher = jwks;
                if (fetcher != null) {
                    fetcher.want(MeshTranslator.remoteJwksUris(s.resources()));
                    remote = fetcher.keys();
                }
                snapshot = new MeshSnapshot(++version, s.resources(), sourceProblems, ports, s.rejected(), trust, remote,
                        prev.snapshot().lastGoodSchemas());
                MeshTranslation t = MeshTranslator.translate(snapshot);
                snapshot = snapshot.withLastGoodSchemas(t.validationSchemas());
                Map<ResourceKey, ObjectNode> statuses = new HashMap<>();
                t.statuses().forEach((k, st) -> statuses.put(k, Conditions.stamp(st, prev.statuses().get(k), now)));
                xds.publish(t.proxies());
                next = new State(snapshot, requests, t.proxies(), statuses, merge(snapshot.problems(), t.problems()), now);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, () -> "control plane: translation failed; the last good config keeps serving: " + e);
                LOG.log(Level.FINE, "control plane: translation failure", e);
                Problem p = new Problem("", 0, "", "", "", "", "control plane: translation failed, the last good "
                        + "config keeps serving: " + e);
                // the proxies called for and their ports follow the source (so they run and wait for config);
                // what xDS serves stays the last good translation
                next = new State(snapshot, requests, prev.proxies(), prev.statuses(),
                        merge(s.problems(), List.of(p)), now);
            }
            state = next;
        }
        synchronized (deliverLock) {
            // a refresh and a source change may race here: a state older than one already handed on is not
            if (seq > delivered) {
                delivered = seq;
                try {
                    onChange.accept(next);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "control plane: a state listener failed", e);
                }
            }
        }
        return next;
    }

    private static List<Problem> merge(List<Problem> a, List<Problem> b) {
        LinkedHashSet<Problem> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    @Override
    public void close() {
        closed = true;
        source.close();
        JwksFetcher f = jwks;
        if (f != null) f.close();
        if (refresher != null) refresher.shutdownNow();
    }
}
