package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;
import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One compiled Envoy {@code config.rbac.v3.RBAC}: an action and its named policies, in name order. A policy matches a
 * request when one of its permissions and one of its principals match. The decision ({@link #evaluate}) is Envoy's:
 * <ul>
 *   <li>ALLOW: allowed iff some policy matches (no policies: nothing is allowed);</li>
 *   <li>DENY: denied iff some policy matches;</li>
 *   <li>LOG: always allowed; a match is reported, for logging and counting.</li>
 * </ul>
 * The reported policy is the first match in name order (Envoy's map order is unspecified; a sorted order makes the
 * answer stable). {@link #evaluate} allocates nothing: each possible {@link Decision} is made once, here.
 */
public final class RbacEngine {
    /** The action of an RBAC config. */
    public enum Action { ALLOW, DENY, LOG }

    /**
     * The outcome of one evaluation: {@code allowed}, and {@code policy}, the name of the policy that matched (null:
     * none did; for ALLOW that is what denied the request).
     */
    public record Decision(Action action, boolean allowed, String policy) {
        /** Whether a policy matched (for LOG: whether to log). */
        public boolean matched() {
            return policy != null;
        }
    }

    record Policy(String name, Rule permissions, Rule principals) {
        boolean matches(RequestView r) {
            return permissions.matches(r) && principals.matches(r);
        }
    }

    private final Action action;
    private final Policy[] policies;
    private final Decision[] onMatch;
    private final Decision noMatch;
    private final List<String> policyNames;

    RbacEngine(Action action, List<Policy> sortedPolicies) {
        this.action = requireNonNull(action, "action");
        this.policies = sortedPolicies.toArray(Policy[]::new);
        this.onMatch = new Decision[policies.length];
        for (int i = 0; i < policies.length; i++) {
            onMatch[i] = new Decision(action, action != Action.DENY, policies[i].name());
        }
        this.noMatch = new Decision(action, action != Action.ALLOW, null);
        this.policyNames = sortedPolicies.stream().map(Policy::name).toList();
    }

    public Action action() {
        return action;
    }

    /** Every decision {@link #evaluate} can return (one per policy, then the one for no match), for binding metrics. */
    public List<Decision> possibleDecisions() {
        List<Decision> all = new java.util.ArrayList<>(java.util.Arrays.asList(onMatch));
        all.add(noMatch);
        return all;
    }

    /** The policy names, in evaluation order. */
    public List<String> policyNames() {
        return policyNames;
    }

    public Decision evaluate(RequestView request) {
        for (int i = 0; i < policies.length; i++) {
            if (policies[i].matches(request)) return onMatch[i];
        }
        return noMatch;
    }
}
