package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * lattice.dev/v1alpha1 RateLimitPolicy, shaped as Envoy Gateway's {@code rateLimit}: {@code local.rules[]} (a token
 * bucket per proxy) and {@code global.rules[]} (one count shared by every proxy enforcing the policy), each rule with
 * {@code limit: {requests, unit}}, an optional {@code burst} (bucket capacity above the rate) and
 * {@code clientSelectors[]}; no selector means one bucket for all. Every selector of a rule must match for the rule to
 * apply (as Envoy Gateway's); a {@code Distinct} selector gives each value its own bucket.
 *
 * <p>{@code global} is null when absent; {@code local} likewise.
 */
public record RateLimitPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, Local local, Global global)
        implements MeshObject {
    public static final String KIND = "RateLimitPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS = List.of(PolicyTargetRef.GATEWAY, PolicyTargetRef.HTTP_ROUTE,
            PolicyTargetRef.GRPC_ROUTE, PolicyTargetRef.SERVICE);

    public enum Unit {
        SECOND(1), MINUTE(60), HOUR(3600);

        public final int seconds;

        Unit(int seconds) {
            this.seconds = seconds;
        }
    }

    public enum MatchType { EXACT, DISTINCT }

    public enum PathType { EXACT, PATH_PREFIX }

    public enum FailureMode { OPEN, CLOSED }

    public record Local(List<Rule> rules) {
        public Local {
            rules = List.copyOf(rules);
        }
    }

    public record Global(List<Rule> rules, FailureMode failureMode) {
        public Global {
            rules = List.copyOf(rules);
            requireNonNull(failureMode, "failureMode");
        }
    }

    /** {@code requests} per {@code unit}; {@code burst} extra capacity (0: none). */
    public record Rule(long requests, Unit unit, long burst, List<Selector> clientSelectors) {
        public Rule {
            requireNonNull(unit, "unit");
            clientSelectors = List.copyOf(clientSelectors);
        }
    }

    /**
     * One condition on the request: exactly one of its kinds. {@code name} is the header's (lower case) or the JWT
     * claim's; {@code value} the exact value (Exact), a CIDR (sourceCIDR, both types), or null for a Distinct header,
     * principal or claim (any value, one bucket each).
     */
    public record Selector(Source source, String name, MatchType type, String value, PathType pathType) {
        public enum Source { HEADER, SOURCE_CIDR, PRINCIPAL, JWT_CLAIM, PATH }

        public Selector {
            requireNonNull(source, "source");
        }
    }

    public RateLimitPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static RateLimitPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "local", "global");
        Field tr = spec.get("targetRefs");
        if (!tr.present() || (tr.json().isArray() && tr.json().isEmpty())) tr.problem("required: at least one target");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(tr, TARGETS);
        Local local = null;
        Global global = null;
        Field lf = spec.get("local");
        if (lf.object()) {
            lf.known("rules");
            local = new Local(rules(lf.get("rules")));
        }
        Field gf = spec.get("global");
        if (gf.object()) {
            gf.known("rules", "failureMode");
            String fm = gf.get("failureMode").oneOf("Open", List.of("Open", "Closed"));
            global = new Global(rules(gf.get("rules")), "Closed".equals(fm) ? FailureMode.CLOSED : FailureMode.OPEN);
        }
        if (local == null && global == null) spec.problem("one of local or global is required");
        return new RateLimitPolicy(meta, targets, local, global);
    }

    private static List<Rule> rules(Field list) {
        if (!list.require()) return List.of();
        List<Rule> out = new ArrayList<>();
        List<Field> items = list.list();
        if (list.json().isArray() && items.isEmpty()) list.problem("must have at least one rule");
        for (Field rf : items) {
            if (!rf.object()) {
                if (!rf.present()) rf.problem("must be an object, not null");
                continue;
            }
            rf.known("limit", "burst", "clientSelectors");
            Field limit = rf.get("limit");
            long requests = 1;
            Unit unit = Unit.SECOND;
            if (limit.require() && limit.object()) {
                limit.known("requests", "unit");
                Field rq = limit.get("requests");
                if (rq.require()) requests = rq.integer(1, 1, Integer.MAX_VALUE);
                Field uf = limit.get("unit");
                if (uf.require()) {
                    unit = switch (uf.oneOf("Second", List.of("Second", "Minute", "Hour"))) {
                        case "Minute" -> Unit.MINUTE;
                        case "Hour" -> Unit.HOUR;
                        default -> Unit.SECOND;
                    };
                }
            }
            long burst = rf.get("burst").integer(0, 0, Integer.MAX_VALUE);
            List<Selector> selectors = new ArrayList<>();
            for (Field sf : rf.get("clientSelectors").list()) selectors(sf, selectors);
            out.add(new Rule(requests, unit, burst, selectors));
        }
        return out;
    }

    private static final Set<String> TYPES = Set.of("Exact", "Distinct");

    /** One entry of clientSelectors: its conditions (all must hold). */
    private static void selectors(Field sf, List<Selector> out) {
        if (!sf.object()) {
            if (!sf.present()) sf.problem("must be an object, not null");
            return;
        }
        sf.known("headers", "sourceCIDR", "principal", "jwtClaim", "path");
        int before = out.size();
        for (Field h : sf.get("headers").list()) {
            if (!h.object()) continue;
            h.known("name", "type", "value");
            String name = h.get("name").requiredString().toLowerCase(java.util.Locale.ROOT);
            if (!name.isEmpty() && !name.matches("[!#$%&'*+.^_`|~0-9a-z-]+")) h.get("name").problem("not a valid header name");
            MatchType type = type(h.get("type"));
            String value = value(h, type);
            out.add(new Selector(Selector.Source.HEADER, name, type, value, null));
        }
        Field cidr = sf.get("sourceCIDR");
        if (cidr.object()) {
            cidr.known("type", "value");
            MatchType type = type(cidr.get("type"));
            String v = cidr.get("value").requiredString();
            if (!v.isEmpty()) {
                String why = Cidr.check(v);
                if (why != null) cidr.get("value").problem(why);
            }
            out.add(new Selector(Selector.Source.SOURCE_CIDR, null, type, v, null));
        }
        Field pr = sf.get("principal");
        if (pr.object()) {
            pr.known("type", "value");
            MatchType type = type(pr.get("type"));
            out.add(new Selector(Selector.Source.PRINCIPAL, null, type, value(pr, type), null));
        }
        Field jc = sf.get("jwtClaim");
        if (jc.object()) {
            jc.known("name", "type", "value");
            String name = jc.get("name").requiredString();
            MatchType type = type(jc.get("type"));
            out.add(new Selector(Selector.Source.JWT_CLAIM, name, type, value(jc, type), null));
        }
        Field pf = sf.get("path");
        if (pf.object()) {
            pf.known("type", "value");
            String t = pf.get("type").oneOf("PathPrefix", List.of("Exact", "PathPrefix"));
            String v = pf.get("value").requiredString();
            if (!v.isEmpty() && !v.startsWith("/")) pf.get("value").problem("must start with /");
            out.add(new Selector(Selector.Source.PATH, null, MatchType.EXACT, v,
                    "Exact".equals(t) ? PathType.EXACT : PathType.PATH_PREFIX));
        }
        if (out.size() == before) sf.problem("needs one of headers, sourceCIDR, principal, jwtClaim or path");
    }

    private static MatchType type(Field f) {
        return "Distinct".equals(f.oneOf("Exact", TYPES)) ? MatchType.DISTINCT : MatchType.EXACT;
    }

    /** Exact needs a value; Distinct takes none (each value its own bucket). */
    private static String value(Field f, MatchType type) {
        Field v = f.get("value");
        if (type == MatchType.EXACT) return v.requiredString();
        if (v.present()) v.problem("not allowed with type Distinct (every value gets its own bucket)");
        return null;
    }
}
