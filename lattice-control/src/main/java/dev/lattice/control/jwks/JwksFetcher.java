package dev.lattice.control.jwks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lattice.control.RemoteJwks;
import dev.lattice.model.JwtPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fetches the JWKS of every JWTPolicy {@code remoteJWKS.uri} the control plane is told about ({@link #want}), keeps
 * them and refreshes them, so that translation can inline them and a proxy never calls out on its request path.
 *
 * <ul>
 *   <li>Fetching is asynchronous ({@link HttpClient#sendAsync}, its callbacks on virtual threads; the timers on one
 *   daemon thread): nothing here runs on an event loop or on the translation thread, and nothing blocks either.</li>
 *   <li>A response counts when it is {@code 200}, at most {@value #MAX_BYTES} bytes, and a JWKS: a JSON object with a
 *   non-empty {@code keys} list, at least one of them a signature key of {@code kty} RSA, EC or OKP. It is kept as
 *   compact JSON.</li>
 *   <li>Refresh: after {@code Cache-Control: max-age} ({@code no-cache}/{@code no-store}: the minimum), or
 *   {@link #DEFAULT_REFRESH} without one, clamped to [{@link #MIN_REFRESH}, {@link #MAX_REFRESH}].</li>
 *   <li>A failed attempt (connection, timeout of {@link #TIMEOUT}, status, size, not a JWKS) is retried after 1 s,
 *   doubling up to {@link #MAX_RETRY}, with ±20 % of jitter; the last good keys stay meanwhile.</li>
 *   <li>{@code onChange} runs (on a fetcher thread) each time what {@link #keys} answers changes: new keys, or a
 *   different error, or an error cleared. The same document fetched again changes nothing.</li>
 * </ul>
 */
public final class JwksFetcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JwksFetcher.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration MIN_REFRESH = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REFRESH = Duration.ofHours(1);
    public static final Duration MAX_REFRESH = Duration.ofHours(24);
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    public static final Duration MAX_RETRY = Duration.ofMinutes(5);
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_BYTES = 1 << 20;

    /** One wanted URI: its state now, the timer of its next attempt, the failures in a row. Guarded by the fetcher. */
    private static final class Entry {
        final String uri;
        RemoteJwks state = RemoteJwks.PENDING;
        ScheduledFuture<?> next;
        int failures;

        Entry(String uri) {
            this.uri = uri;
        }
    }

    private final Runnable onChange;
    private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lattice-jwks");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Entry> entries = new HashMap<>();
    private volatile Map<String, RemoteJwks> keys = Map.of();
    private boolean closed;

    /** A fetcher that calls {@code onChange} whenever {@link #keys} changes. */
    public JwksFetcher(Runnable onChange) {
        this(onChange, null);
    }

    /** The same with the TLS context of https fetches ({@code null}: the JDK's default, its default trust store). */
    JwksFetcher(Runnable onChange, javax.net.ssl.SSLContext tls) {
        this.onChange = requireNonNull(onChange, "onChange");
        HttpClient.Builder b = HttpClient.newBuilder().executor(callbacks).connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (tls != null) b.sslContext(tls);
        this.http = b.build();
    }

    /** What is known now of every wanted URI (absent: not wanted). */
    public Map<String, RemoteJwks> keys() {
        return keys;
    }

    /**
     * The URIs wanted from now on: a new one is fetched at once (and is {@link RemoteJwks#PENDING} until it answers),
     * one no longer wanted is forgotten (its timer cancelled, its keys dropped). Cheap when nothing changed.
     */
    public synchronized void want(Set<String> uris) {
        if (closed) return;
        boolean changed = false;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (uris.contains(e.uri)) continue;
            if (e.next != null) e.next.cancel(false);
            it.remove();
            changed = true;
        }
        for (String u : uris) {
            if (entries.containsKey(u)) continue;
            Entry e = new Entry(u);
            entries.put(u, e);
            changed = true;
            schedule(e, Duration.ZERO);
        }
        if (changed) publish();
    }

    private void schedule(Entry e, Duration delay) {
        e.next = timer.schedule(() -> fetch(e), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void fetch(Entry e) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(e.uri)).timeout(TIMEOUT).header("Accept", "application/json")
                    .GET().build();
        } catch (IllegalArgumentException ex) {
            done(e, null, null, "not a usable URL: " + ex.getMessage());
            return;
        }
        try {
            http.sendAsync(req, HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofString(), MAX_BYTES))
                    .whenComplete((r, t) -> {
                        if (t != null) {
                            done(e, null, null, describe(t));
                            return;
                        }
                        if (r.statusCode() != 200) {
                            done(e, null, null, "HTTP " + r.statusCode());
                            return;
                        }
                        String bad = null;
                        String compact = null;
                        try {
                            compact = compact(r.body());
                        } catch (IllegalArgumentException ex) {
                            bad = ex.getMessage();
                        }
                        done(e, compact, refresh(r.headers().allValues("cache-control")), bad);
                    });
        } catch (RuntimeException ex) {
            done(e, null, null, describe(ex));
        }
    }

    /** One attempt finished: {@code jwks} and {@code refresh} when it succeeded, else {@code error}. */
    private void done(Entry e, String jwks, Duration refresh, String error) {
        boolean changed;
        synchronized (this) {
            if (closed || entries.get(e.uri) != e) return; // forgotten meanwhile
            RemoteJwks before = e.state;
            if (error == null) {
                e.failures = 0;
                e.state = new RemoteJwks(jwks, null);
                schedule(e, refresh);
            } else {
                e.failures++;
                e.state = new RemoteJwks(before.keys(), error);
                schedule(e, backoff(e.failures));
                if (!error.equals(before.error())) {
                    LOG.log(Level.WARNING, () -> "JWKS " + e.uri + ": " + error + (before.keys() != null
                            ? "; its last good keys keep serving" : "; no keys yet: its providers refuse every token"));
                }
            }
            changed = !e.state.equals(before);
            if (changed) publish();
        }
        if (changed) {
            try {
                onChange.run();
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "JWKS: the change listener failed", ex);
            }
        }
    }

    private void publish() {
        Map<String, RemoteJwks> m = new HashMap<>();
        entries.forEach((u, e) -> m.put(u, e.state));
        keys = Map.copyOf(m);
    }

    /** The delay before attempt {@code failures + 1}: 1 s doubling to {@link #MAX_RETRY}, ±20 %. */
    static Duration backoff(int failures) {
        long ms = FIRST_RETRY.toMillis() << Math.min(failures - 1, 20);
        ms = Math.min(ms, MAX_RETRY.toMillis());
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (ms * jitter));
    }

    /** When to fetch again after a success, from the response's Cache-Control values. */
    static Duration refresh(List<String> cacheControl) {
        Duration d = null;
        for (String v : cacheControl) {
            for (String part : v.split(",")) {
                String p = part.trim().toLowerCase(Locale.ROOT);
                if (p.equals("no-cache") || p.equals("no-store")) return MIN_REFRESH;
                if (p.startsWith("max-age=")) {
                    String n = p.substring("max-age=".length()).replace("\"", "");
                    try {
                        d = Duration.ofSeconds(Long.parseLong(n));
                    } catch (NumberFormatException e) {
                        // not a number: ignored, as RFC 9111 says of an invalid max-age
                    }
                }
            }
        }
        if (d == null) return DEFAULT_REFRESH;
        if (d.compareTo(MIN_REFRESH) < 0) return MIN_REFRESH;
        return d.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : d;
    }

    /** The document as compact JSON, or IllegalArgumentException saying why it is not a usable JWKS. */
    static String compact(String body) {
        String bad = JwtPolicy.badJwks(body);
        if (bad != null) throw new IllegalArgumentException(bad);
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("is not a JWKS: not JSON");
        }
        boolean usable = false;
        for (JsonNode k : n.get("keys")) {
            String kty = k.path("kty").asText();
            if ((kty.equals("RSA") || kty.equals("EC") || kty.equals("OKP")) && !k.path("use").asText().equals("enc")) usable = true;
        }
        if (!usable) throw new IllegalArgumentException("is not a usable JWKS: no signature key of kty RSA, EC or OKP");
        try {
            return JSON.writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalArgumentException("is not a JWKS: " + e.getMessage());
        }
    }

    private static String describe(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        String m = t.getMessage();
        if (t instanceof java.io.IOException && m != null && m.toLowerCase(Locale.ROOT).contains("exceed")) {
            return "the response is larger than " + MAX_BYTES + " bytes";
        }
        return t.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            entries.values().forEach(e -> {
                if (e.next != null) e.next.cancel(false);
            });
            entries.clear();
        }
        timer.shutdownNow();
        http.shutdownNow();
        callbacks.shutdownNow();
    }
}
