package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates the RBAC filters among a connection manager's {@code http_filters} on one request, in their order and
 * exactly as the proxy's filters decide (the same parser and engine), without a proxy: for {@code lattice authz
 * check} and for tests of what the control plane generates. Filters of other types are skipped.
 */
public final class RbacCheck {
    private RbacCheck() {}

    /**
     * The outcome: {@code allowed}, and the filter and policy that decided: when denied, the one that denied
     * ({@code policy} null: no ALLOW policy matched); when allowed, the ALLOW policy that matched (both null when no
     * ALLOW filter applies); {@code dryRunDenials} are the shadow policies that would have denied (or "(none matched)" for a
     * dry-run ALLOW set that nothing matched); {@code audits} the audit policies that matched.
     */
    public record Verdict(boolean allowed, String filter, String policy, List<String> dryRunDenials, List<String> audits) {}

    public static Verdict evaluate(String resource, List<HttpFilter> filters, RequestView request) throws XdsRejection {
        List<String> dry = new ArrayList<>();
        List<String> audits = new ArrayList<>();
        String allowFilter = null;
        String allowPolicy = null;
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter f = filters.get(i);
            if (f.getDisabled() || !f.hasTypedConfig() || !f.getTypedConfig().getTypeUrl().equals(RbacParser.TYPE_URL)) continue;
            RbacFilterConfig c = RbacParser.parse(resource, "http_filters[" + i + "].typed_config", f.getTypedConfig());
            RbacEngine.Decision s = c.shadow(request);
            if (s != null && !s.allowed()) dry.add(s.policy() == null ? "(none matched)" : s.policy());
            RbacEngine.Decision d = c.enforce(request);
            if (d == null) continue;
            if (d.action() == RbacEngine.Action.LOG) {
                if (d.matched()) audits.add(d.policy());
                continue;
            }
            if (!d.allowed()) return new Verdict(false, f.getName(), d.policy(), dry, audits);
            if (d.action() == RbacEngine.Action.ALLOW && d.matched()) {
                allowFilter = f.getName();
                allowPolicy = d.policy();
            }
        }
        return new Verdict(true, allowFilter, allowPolicy, dry, audits);
    }
}
