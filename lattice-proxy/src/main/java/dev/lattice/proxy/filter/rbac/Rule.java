package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;

/** A compiled RBAC permission or principal: a predicate over one request. Immutable and thread-safe. */
@FunctionalInterface
interface Rule {
    boolean matches(RequestView request);

    Rule ANY = r -> true;

    static Rule and(Rule[] rules) {
        if (rules.length == 1) return rules[0];
        return r -> {
            for (Rule x : rules) if (!x.matches(r)) return false;
            return true;
        };
    }

    static Rule or(Rule[] rules) {
        if (rules.length == 1) return rules[0];
        return r -> {
            for (Rule x : rules) if (x.matches(r)) return true;
            return false;
        };
    }

    static Rule not(Rule rule) {
        return r -> !rule.matches(r);
    }
}
