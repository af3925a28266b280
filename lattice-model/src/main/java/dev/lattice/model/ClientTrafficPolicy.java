package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * lattice.dev/v1alpha1 ClientTrafficPolicy (Envoy Gateway's name and shape): how a listener treats its downstream
 * clients, for the Gateway listeners (a Gateway, or one listener by {@code sectionName}) or the inbound sidecar of the
 * Services and Workloads in its targetRefs.
 *
 * <pre>
 * spec:
 *   targetRefs: [...]
 *   timeout:
 *     http:
 *       requestHeadersTimeout: 10s   # the whole request head must have arrived (Lattice; Envoy's request_headers_timeout)
 *       idleTimeout: 1h              # no request in flight (Envoy Gateway's timeout.http.idleTimeout)
 *   connection:
 *     maxConnections: 1000           # or connectionLimit: {value: 1000} (Envoy Gateway's spelling); not both
 *   http2:
 *     maxConcurrentStreams: 100
 * </pre>
 *
 * <p>Durations are Gateway API durations; {@code 0s} disables that timer. A field left out keeps the default (null
 * here): 10 s, 1 h, no connection limit, 1024 streams.
 */
public record ClientTrafficPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, Long requestHeadersTimeoutMillis,
        Long idleTimeoutMillis, Long maxConnections, Integer maxConcurrentStreams) implements MeshObject {
    public static final String KIND = "ClientTrafficPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS = List.of(PolicyTargetRef.GATEWAY, PolicyTargetRef.SERVICE,
            PolicyTargetRef.WORKLOAD);
    /** Envoy's connection_limit takes a uint64; a Java int bounds what one proxy can hold open anyway. */
    public static final long MAX_CONNECTIONS = Integer.MAX_VALUE;
    /** RFC 9113 leaves SETTINGS_MAX_CONCURRENT_STREAMS at 32 bits; Envoy caps it at 2^31-1. */
    public static final int MAX_STREAMS = Integer.MAX_VALUE;

    public ClientTrafficPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static ClientTrafficPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "timeout", "connection", "http2");
        Field tr = spec.get("targetRefs");
        if (!tr.present() || (tr.json().isArray() && tr.json().isEmpty())) tr.problem("required: at least one target");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(tr, TARGETS);
        for (int i = 0; i < targets.size(); i++) {
            PolicyTargetRef t = targets.get(i);
            if (t.sectionName() != null && !t.kind().equals(PolicyTargetRef.GATEWAY.kind())) {
                tr.at(i).get("sectionName").problem("only a Gateway target may name a section (a listener)");
            }
        }
        Long head = null;
        Long idle = null;
        Field timeout = spec.get("timeout");
        if (timeout.object()) {
            timeout.known("http");
            Field http = timeout.get("http");
            if (http.object()) {
                http.known("requestHeadersTimeout", "idleTimeout", "requestReceivedTimeout");
                head = HttpFilters.duration(http.get("requestHeadersTimeout"));
                idle = HttpFilters.duration(http.get("idleTimeout"));
                Field received = http.get("requestReceivedTimeout");
                if (received.present()) {
                    received.problem("not supported: Envoy Gateway's whole-request timeout is not implemented; "
                            + "requestHeadersTimeout bounds the request head");
                }
            }
        }
        Long max = null;
        Field connection = spec.get("connection");
        if (connection.object()) {
            connection.known("maxConnections", "connectionLimit");
            Field mc = connection.get("maxConnections");
            Integer direct = mc.integer(null, 1, MAX_CONNECTIONS);
            Integer limit = null;
            Field cl = connection.get("connectionLimit");
            if (cl.object()) {
                cl.known("value");
                Field v = cl.get("value");
                if (v.require()) limit = v.integer(null, 1, MAX_CONNECTIONS);
            }
            if (mc.present() && cl.present()) {
                cl.problem("set either connection.maxConnections or connection.connectionLimit.value, not both");
            } else {
                Integer m = direct != null ? direct : limit;
                max = m == null ? null : m.longValue();
            }
        }
        Integer streams = null;
        Field h2 = spec.get("http2");
        if (h2.object()) {
            h2.known("maxConcurrentStreams");
            streams = h2.get("maxConcurrentStreams").integer(null, 1, MAX_STREAMS);
        }
        if (head == null && idle == null && max == null && streams == null && !hasProblems(problems, r)) {
            spec.problem("sets nothing: give timeout.http.requestHeadersTimeout, timeout.http.idleTimeout, "
                    + "connection.maxConnections or http2.maxConcurrentStreams");
        }
        return new ClientTrafficPolicy(meta, targets, head, idle, max, streams);
    }

    private static boolean hasProblems(List<Problem> problems, Resource r) {
        for (Problem p : problems) {
            if (p.name().equals(r.name()) && p.kind().equals(r.kind())) return true;
        }
        return false;
    }
}
