package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.metrics.ProxyMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The RBAC HTTP filter at run time: the enforced rules decide (a denial answers {@code 403 RBAC: access denied},
 * Envoy's body, and the request never reaches the router); the shadow rules (dry run) are evaluated and reported, never
 * enforced. Every decision that names a policy, and every denial, is counted in {@code lattice_authz_decisions_total}
 * with the policy that decided; denials, would-be denials and audit matches are logged, at most
 * {@value #LOG_PER_SECOND} lines a second per filter (the rest are counted, and the count is logged with the next line).
 * The evaluation allocates nothing; counters are bound here, once.
 */
final class RbacHttpFilter implements HttpFilter {
    static final LocalReply DENIED = LocalReply.of(403, "RBAC: access denied");
    private static final Logger LOG = Logger.getLogger("dev.lattice.proxy.authz");
    static final int LOG_PER_SECOND = 20;

    private final String listener;
    private final String name;
    private final RbacFilterConfig config;
    private final Map<RbacEngine.Decision, CounterDataPoint> enforced = new IdentityHashMap<>();
    private final Map<RbacEngine.Decision, CounterDataPoint> shadow = new IdentityHashMap<>();
    /** Counters of the decisions of routes' RBACPerRoute rules, bound on first use. */
    private final Map<RbacEngine.Decision, CounterDataPoint> routeEnforced = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<RbacEngine.Decision, CounterDataPoint> routeShadow = new java.util.concurrent.ConcurrentHashMap<>();
    private final ProxyMetrics metrics;
    // the counter lookups, made once so that a decision allocates nothing
    private final java.util.function.Function<RbacEngine.Decision, CounterDataPoint> enforcedCounters = enforced::get;
    private final java.util.function.Function<RbacEngine.Decision, CounterDataPoint> shadowCounters = shadow::get;
    private final java.util.function.Function<RbacEngine.Decision, CounterDataPoint> routeEnforcedCounters = d -> perRoute(d, false);
    private final java.util.function.Function<RbacEngine.Decision, CounterDataPoint> routeShadowCounters = d -> perRoute(d, true);
    private final AtomicLong logWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    RbacHttpFilter(String listener, String name, RbacFilterConfig config, ProxyMetrics metrics) {
        this.listener = listener;
        this.name = name;
        this.config = config;
        this.metrics = metrics;
        bind(config.rules(), false, enforced, metrics);
        bind(config.shadowRules(), true, shadow, metrics);
    }

    private void bind(RbacEngine engine, boolean dryRun, Map<RbacEngine.Decision, CounterDataPoint> into, ProxyMetrics m) {
        if (engine == null) return;
        for (RbacEngine.Decision d : engine.possibleDecisions()) {
            if (!counted(d)) continue;
            into.put(d, m.authzDecision(listener, name, d.policy() == null ? "" : d.policy(), label(d), dryRun));
        }
    }

    /** Counted: what names a policy, and every denial. A DENY filter's "no policy matched" is not news. */
    private static boolean counted(RbacEngine.Decision d) {
        return d.matched() || !d.allowed();
    }

    private static String label(RbacEngine.Decision d) {
        if (d.action() == RbacEngine.Action.LOG) return "audit";
        return d.allowed() ? "allow" : "deny";
    }

    @Override
    public LocalReply onRequestHeaders(RequestView request) {
        return decide(request, config, enforcedCounters, shadowCounters);
    }

    /**
     * With a route's {@code RBACPerRoute}: without {@code rbac} the filter is off for the route; with it, its rules
     * replace the filter's for the route (counted under the same metric, bound on first use).
     */
    @Override
    public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
        if (routeConfig == null) return onRequestHeaders(request);
        RbacFilterConfig c = (RbacFilterConfig) routeConfig;
        if (!c.active()) return null;
        return decide(request, c, routeEnforcedCounters, routeShadowCounters);
    }

    private CounterDataPoint perRoute(RbacEngine.Decision d, boolean dryRun) {
        if (!counted(d)) return null;
        return (dryRun ? routeShadow : routeEnforced).computeIfAbsent(d,
                x -> metrics.authzDecision(listener, name, x.policy() == null ? "" : x.policy(), label(x), dryRun));
    }

    private LocalReply decide(RequestView request, RbacFilterConfig config,
                              java.util.function.Function<RbacEngine.Decision, CounterDataPoint> enforcedCounter,
                              java.util.function.Function<RbacEngine.Decision, CounterDataPoint> shadowCounter) {
        RbacEngine.Decision s = config.shadow(request);
        if (s != null) {
            CounterDataPoint c = shadowCounter.apply(s);
            if (c != null) {
                c.inc();
                if (!s.allowed()) log("would deny (dry run)", s, request);
            }
        }
        RbacEngine.Decision d = config.enforce(request);
        if (d == null) return null;
        CounterDataPoint c = enforcedCounter.apply(d);
        if (c != null) c.inc();
        if (d.action() == RbacEngine.Action.LOG) {
            if (d.matched()) log("audit", d, request);
            return null;
        }
        if (d.allowed()) return null;
        log("denied", d, request);
        return DENIED;
    }

    private void log(String what, RbacEngine.Decision d, RequestView r) {
        if (!LOG.isLoggable(Level.INFO)) return;
        long second = System.nanoTime() / 1_000_000_000L;
        long w = logWindow.get();
        if ((w >>> 16) != second) {
            if (!logWindow.compareAndSet(w, second << 16)) {
                suppressed.incrementAndGet();
                return;
            }
        } else if ((w & 0xffff) >= LOG_PER_SECOND || !logWindow.compareAndSet(w, w + 1)) {
            suppressed.incrementAndGet();
            return;
        }
        long skipped = suppressed.getAndSet(0);
        String principal = r.principal();
        LOG.info("authz " + what + ": listener=" + listener + " filter=" + name
                + " policy=" + (d.policy() == null ? "(none matched)" : d.policy())
                + " principal=" + (principal == null ? "-" : principal)
                + (r.requestAuth() == null ? "" : " requestPrincipal=" + r.requestAuth().principal())
                + " source=" + (r.directRemoteAddress() == null ? "-" : r.directRemoteAddress().getHostAddress())
                + " " + r.method() + " " + r.authority() + r.pathAndQuery()
                + (skipped > 0 ? " (" + skipped + " more not logged)" : ""));
    }
}
