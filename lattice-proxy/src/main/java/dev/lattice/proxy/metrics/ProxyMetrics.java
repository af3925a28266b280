package dev.lattice.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The proxy's metrics in their own registry. Data points are bound once (per listener, cluster and
 * code class, when a config is compiled) so the request path never looks labels up.
 */
public final class ProxyMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder()
            .name("lattice_proxy_requests_total")
            .help("Downstream requests answered, by listener, cluster (empty when answered locally) and response code class")
            .labelNames("listener", "cluster", "code_class")
            .withoutExemplars()
            .register(registry);
    private final Counter upstreamConnections = Counter.builder()
            .name("lattice_proxy_upstream_connections_opened_total")
            .help("Upstream connections opened, by cluster")
            .labelNames("cluster")
            .withoutExemplars()
            .register(registry);
    private final Counter upstreamConnectFailures = Counter.builder()
            .name("lattice_proxy_upstream_connect_failures_total")
            .help("Upstream connection attempts that failed, by cluster")
            .labelNames("cluster")
            .withoutExemplars()
            .register(registry);
    private final Gauge downstreamActive = Gauge.builder()
            .name("lattice_proxy_downstream_connections_active")
            .help("Open downstream connections, by listener")
            .labelNames("listener")
            .withoutExemplars()
            .register(registry);
    private final Counter downstreamConnections = Counter.builder()
            .name("lattice_proxy_downstream_connections_total")
            .help("Downstream connections accepted, by listener and the HTTP protocol they turned out to speak "
                    + "(http/1.1, or h2: by ALPN over TLS or the h2c preface)")
            .labelNames("listener", "protocol")
            .withoutExemplars()
            .register(registry);
    private final Counter downstreamOverflow = Counter.builder()
            .name("lattice_downstream_cx_overflow_total")
            .help("Downstream connections closed at once because the listener's connection limit "
                    + "(ClientTrafficPolicy maxConnections, Envoy's connection_limit) was reached: by listener and the "
                    + "limit's stat_prefix")
            .labelNames("listener", "stat_prefix")
            .withoutExemplars()
            .register(registry);

    /** The counter of connections refused by a connection limit; looked up only when one is refused. */
    public CounterDataPoint downstreamOverflow(String listener, String statPrefix) {
        return downstreamOverflow.labelValues(listener, statPrefix);
    }

    private final Counter xdsUpdates = Counter.builder()
            .name("lattice_proxy_xds_updates_total")
            .help("xDS responses handled, by type (cds, lds) and result (accepted, rejected)")
            .labelNames("type", "result")
            .withoutExemplars()
            .register(registry);

    private final Counter authzDecisions = Counter.builder()
            .name("lattice_authz_decisions_total")
            .help("Authorization decisions of the RBAC filters: by listener, filter, the policy that decided (empty: "
                    + "none matched), decision (allow, deny, audit) and dry_run (true: a shadow decision, not enforced)")
            .labelNames("listener", "filter", "policy", "decision", "dry_run")
            .withoutExemplars()
            .register(registry);

    private final Counter rateLimitRequests = Counter.builder()
            .name("lattice_ratelimit_requests_total")
            .help("Requests checked by a RateLimitPolicy rule: by policy (namespace/name), rule (local.rules index, or "
                    + "global/<global.rules index>) and decision (ok, over_limit; failure: answered 503, a policy that cannot "
                    + "be understood or a global rule with failureMode Closed while Redis cannot answer; "
                    + "failure_mode_allowed: a global rule with failureMode Open passed while Redis cannot answer)")
            .labelNames("policy", "rule", "decision")
            .withoutExemplars()
            .register(registry);

    /** The counter of one rate-limit outcome; bound once per rule and decision. */
    public CounterDataPoint rateLimit(String policy, String rule, String decision) {
        return rateLimitRequests.labelValues(policy, rule, decision);
    }

    private final Counter jwtAuthn = Counter.builder()
            .name("lattice_jwt_authn_total")
            .help("Requests checked by the JWT filter (JWTPolicy): by listener and result (allowed, or the reason of a 401: "
                    + "missing, malformed, algorithm, issuer, audience, expired, not_yet_valid, issued_in_future, no_key, "
                    + "signature, unknown_requirement)")
            .labelNames("listener", "result")
            .withoutExemplars()
            .register(registry);

    /** The counter of one JWT filter outcome; bound when the filter is compiled. */
    public CounterDataPoint jwtAuthn(String listener, String result) {
        return jwtAuthn.labelValues(listener, result);
    }

    /** The counter of one authorization outcome; bound when a filter is compiled. */
    public CounterDataPoint authzDecision(String listener, String filter, String policy, String decision, boolean dryRun) {
        return authzDecisions.labelValues(listener, filter, policy, decision, Boolean.toString(dryRun));
    }

    /** Counters for one (listener, cluster) pair, indexed by status / 100 (0 for anything out of range). */
    public RequestCounters requestCounters(String listener, String cluster) {
        CounterDataPoint[] byClass = new CounterDataPoint[6];
        for (int i = 1; i <= 5; i++) {
            byClass[i] = requests.labelValues(listener, cluster, i + "xx");
        }
        byClass[0] = byClass[5];
        return new RequestCounters(byClass);
    }

    public CounterDataPoint upstreamConnectionsOpened(String cluster) {
        return upstreamConnections.labelValues(cluster);
    }

    public CounterDataPoint upstreamConnectFailures(String cluster) {
        return upstreamConnectFailures.labelValues(cluster);
    }

    public GaugeDataPoint downstreamActive(String listener) {
        return downstreamActive.labelValues(listener);
    }

    /** The counters of a listener's HTTP/1.1 ([0]) and h2 ([1]) downstream connections. */
    public CounterDataPoint[] downstreamConnectionsByProtocol(String listener) {
        return new CounterDataPoint[] {downstreamConnections.labelValues(listener, "http/1.1"),
                downstreamConnections.labelValues(listener, "h2")};
    }

    public void xdsUpdate(String type, boolean accepted) {
        xdsUpdates.labelValues(type, accepted ? "accepted" : "rejected").inc();
    }

    /** The registry in Prometheus text format (version 0.0.4). */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: cannot write the text format", e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Pre-bound request counters by response code class. */
    public static final class RequestCounters {
        private final CounterDataPoint[] byClass;

        RequestCounters(CounterDataPoint[] byClass) {
            this.byClass = byClass;
        }

        public void count(int status) {
            int c = status / 100;
            byClass[c >= 1 && c <= 5 ? c : 0].inc();
        }
    }
}
