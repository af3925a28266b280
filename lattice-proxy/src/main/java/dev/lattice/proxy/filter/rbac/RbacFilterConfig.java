package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;

/**
 * One RBAC HTTP filter's config ({@code extensions.filters.http.rbac.v3.RBAC}), compiled: the enforced rules
 * ({@code rules}; null when absent: the filter enforces nothing, as Envoy) and the shadow rules ({@code shadow_rules}:
 * evaluated and reported, never enforced — Lattice's dry run). {@link #DISABLED} is a route's {@code RBACPerRoute}
 * without {@code rbac}: the filter is off for that route.
 */
public record RbacFilterConfig(RbacEngine rules, String rulesStatPrefix, RbacEngine shadowRules, String shadowRulesStatPrefix) {
    /** Enforces and reports nothing. */
    public static final RbacFilterConfig DISABLED = new RbacFilterConfig(null, "", null, "");

    public RbacFilterConfig {
        rulesStatPrefix = rulesStatPrefix == null ? "" : rulesStatPrefix;
        shadowRulesStatPrefix = shadowRulesStatPrefix == null ? "" : shadowRulesStatPrefix;
    }

    /** The enforced decision: null when there are no enforced rules (then the request passes this filter). */
    public RbacEngine.Decision enforce(RequestView request) {
        return rules == null ? null : rules.evaluate(request);
    }

    /** The shadow (dry-run) decision: null when there are no shadow rules. Never changes whether the request passes. */
    public RbacEngine.Decision shadow(RequestView request) {
        return shadowRules == null ? null : shadowRules.evaluate(request);
    }

    /** Whether this config does anything at all (a filter may skip building a request view otherwise). */
    public boolean active() {
        return rules != null || shadowRules != null;
    }
}
