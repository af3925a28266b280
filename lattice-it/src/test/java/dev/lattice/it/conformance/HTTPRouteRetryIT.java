package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.conformance.ConformanceMesh.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's retry conformance tests, complete: httproute-retry (HTTPRouteRetry), httproute-retry-with-timeouts
 * (HTTPRouteRetryBackendTimeout with request and backendRequest timeouts) and httproute-retry-connection-error
 * (HTTPRouteRetryConnectionError). The same three routes on the {@code same-namespace} Gateway, the same cases and
 * expected statuses. The backend is driven by the echo's retry simulation: {@code succeedAfter=N} makes the first
 * N attempts carrying the probe's {@code uuid} fail, with status {@code responseCode} or, without it, a connection
 * reset, each failure after {@code delayRetry}.
 *
 * <p>As upstream, every probe uses a fresh uuid and a case passes once three probes in a row meet the expectation
 * (within {@link ConformanceMesh#WAIT}). Beyond upstream, the last probe of a case also checks how many attempts the
 * backend saw where that number is fixed ({@code attempts: N} allows N retries, so N + 1 attempts at most).
 */
class HTTPRouteRetryIT {
    static ConformanceMesh c;
    static int same;
    static final String HOST = "retry.example";
    static final String BACKEND = "infra-backend-v3";
    static final int CONSECUTIVE = 3;

    static final String YAML = """
            # httproute-retry
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: retries, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /retry/code-500-attempts-3}}]
                retry: {codes: [500], attempts: 3}
                backendRefs: [{name: infra-backend-v3, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /retry/code-all-attempts-2}}]
                retry: {codes: [500, 502, 503, 504], attempts: 2}
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-retry-with-timeouts
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: retries-with-timeouts, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /retry/backend-request-timeout-200ms}}]
                retry: {attempts: 2}
                timeouts: {backendRequest: 200ms}
                backendRefs: [{name: infra-backend-v3, port: 8080}]
              - matches: [{path: {type: PathPrefix, value: /retry/request-timeout-200ms}}]
                retry: {codes: [500], attempts: 5}
                timeouts: {backendRequest: 200ms, request: 400ms}
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            ---
            # httproute-retry-connection-error
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: retries-connection-error, namespace: gateway-conformance-infra}
            spec:
              parentRefs: [{name: same-namespace}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /retry/no-status-code-attempts-3}}]
                retry: {attempts: 3}
                backendRefs: [{name: infra-backend-v3, port: 8080}]
            """;

    /**
     * One upstream case: the path, the simulation's parameters (without uuid), the statuses accepted and, when
     * fixed, how many attempts the backend must see (else -1).
     */
    record Case(String name, String path, Map<String, String> simulation, Set<Integer> statuses, int attempts) {
        Case {
            simulation = Map.copyOf(simulation);
            statuses = Set.copyOf(statuses);
        }
    }

    static Case of(String name, String path, String responseCode, int succeedAfter, String delayRetry,
                   Set<Integer> statuses, int attempts) {
        Map<String, String> sim = new LinkedHashMap<>();
        if (responseCode != null) sim.put("responseCode", responseCode);
        sim.put("succeedAfter", String.valueOf(succeedAfter));
        if (delayRetry != null) sim.put("delayRetry", delayRetry);
        return new Case(name, path, sim, statuses, attempts);
    }

    @BeforeAll
    static void up() throws Exception {
        c = ConformanceMesh.start(YAML);
        same = c.port("SAME");
        // succeedAfter=0: the simulation never fails, so this is a plain echo through the first retry route
        c.awaitReady(same, HOST, "/retry/code-500-attempts-3?succeedAfter=0&uuid=ready", BACKEND);
    }

    @AfterAll
    static void down() {
        if (c != null) c.close();
    }

    /** httproute-retry: codes [500] with attempts 3, and codes [500, 502, 503, 504] with attempts 2. */
    @Test
    void retryRetriesTheListedCodesUpToTheAttempts() throws Exception {
        String a3 = "/retry/code-500-attempts-3";
        String all = "/retry/code-all-attempts-2";
        List<Case> cases = List.of(
                of("succeeds after 2 retries on 500 (attempts 3)", a3, "500", 2, null, Set.of(200), 3),
                of("fails when the retries needed on 500 exceed the attempts", a3, "500", 4, null, Set.of(500), 4),
                of("does not retry 503 when only 500 is listed", a3, "503", 2, null, Set.of(503), 1),
                of("succeeds after 1 retry on 500 (all codes, attempts 2)", all, "500", 1, null, Set.of(200), 2),
                of("fails when the retries needed on 500 exceed the attempts", all, "500", 3, null, Set.of(500), 3),
                of("succeeds after 1 retry on 502", all, "502", 1, null, Set.of(200), 2),
                of("fails when the retries needed on 502 exceed the attempts", all, "502", 3, null, Set.of(502), 3),
                of("succeeds after 1 retry on 503", all, "503", 1, null, Set.of(200), 2),
                of("fails when the retries needed on 503 exceed the attempts", all, "503", 3, null, Set.of(503), 3),
                of("succeeds after 1 retry on 504", all, "504", 1, null, Set.of(200), 2),
                of("fails when the retries needed on 504 exceed the attempts", all, "504", 3, null, Set.of(504), 3));
        assertAll(cases);
    }

    /** httproute-retry-with-timeouts: retries of attempts cut by backendRequest, all within the request timeout. */
    @Test
    void retryWithTimeoutsRetriesTimedOutAttemptsWithinTheRequestTimeout() throws Exception {
        String backend = "/retry/backend-request-timeout-200ms";
        String request = "/retry/request-timeout-200ms";
        List<Case> cases = List.of(
                of("succeeds after 2 retries of attempts cut by the backend timeout (attempts 2)", backend, "500", 2,
                        "300ms", Set.of(200), 3),
                of("fails with 504 when the retries needed exceed the attempts", backend, "500", 3, "300ms",
                        Set.of(504), 3),
                of("succeeds when the retries complete within the request timeout", request, "500", 1, null,
                        Set.of(200), 2),
                // when the 400ms request timeout strikes depends on the timing: the number of attempts is not fixed
                of("fails with 504 when the delayed failures exceed the request timeout", request, "500", 4, "100ms",
                        Set.of(504), -1));
        assertAll(cases);
    }

    /** httproute-retry-connection-error: the backend resets the connection instead of answering. */
    @Test
    void retryOnConnectionResetsUpToTheAttempts() throws Exception {
        String path = "/retry/no-status-code-attempts-3";
        List<Case> cases = List.of(
                of("succeeds after 2 retries on connection resets (attempts 3)", path, null, 2, null, Set.of(200), 3),
                of("fails when the retries needed on resets exceed the attempts", path, null, 4, null,
                        Set.of(500, 503), 4));
        assertAll(cases);
    }

    /** Runs every case (each until it converges or fails) and reports all the failures together. */
    private static void assertAll(List<Case> cases) throws Exception {
        List<String> failures = new ArrayList<>();
        for (Case k : cases) {
            String f = converge(k);
            if (f != null) failures.add(k.path() + " " + k.simulation() + " (" + k.name() + "): " + f);
        }
        assertThat(failures).as("retry cases that did not pass").isEmpty();
    }

    /**
     * Probes the case with a fresh uuid each time until {@link #CONSECUTIVE} probes in a row pass (null) or
     * {@link ConformanceMesh#WAIT} runs out (the last probe's complaint).
     */
    private static String converge(Case k) throws Exception {
        long deadline = System.nanoTime() + ConformanceMesh.WAIT.toNanos();
        int streak = 0;
        String last = "no probe";
        while (System.nanoTime() < deadline) {
            last = probe(k, streak == CONSECUTIVE - 1);
            streak = last == null ? streak + 1 : 0;
            if (streak == CONSECUTIVE) return null;
            if (last != null) Thread.sleep(200);
        }
        return last;
    }

    /** One probe: null when the answer (and, if {@code countAttempts}, the backend's attempts) is as expected. */
    private static String probe(Case k, boolean countAttempts) throws Exception {
        String uuid = UUID.randomUUID().toString();
        StringBuilder q = new StringBuilder();
        k.simulation().forEach((n, v) -> q.append(n).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
        String path = k.path() + "?" + q + "uuid=" + uuid;
        Reply r;
        try {
            r = ConformanceMesh.get(same, HOST, path);
        } catch (UncheckedIOException e) {
            return "request failed: " + e.getCause();
        }
        if (!k.statuses().contains(r.status())) {
            return "status " + r.status() + ", expected " + k.statuses() + ": " + r;
        }
        if (r.status() == 200 && (!r.backend().equals(BACKEND) || !r.namespace().equals(INFRA))) {
            return "answered by " + r.namespace() + "/" + r.backend() + ", expected " + INFRA + "/" + BACKEND;
        }
        if (countAttempts && k.attempts() >= 0) {
            // every attempt reached the echo before the gateway answered; a late extra attempt would show after a pause
            Thread.sleep(300);
            int seen = attempts(uuid);
            if (seen != k.attempts()) return "the backend saw " + seen + " attempts, expected " + k.attempts();
        }
        return null;
    }

    /** How many requests carrying {@code uuid} the backend echo saw. */
    private static int attempts(String uuid) throws IOException {
        int n = 0;
        for (JsonNode r : c.echoRequests(BACKEND)) {
            if (r.path("path").asText().endsWith("uuid=" + uuid)) n++;
        }
        return n;
    }
}
