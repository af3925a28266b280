package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * lattice.dev/v1alpha1 AuthorizationPolicy: who may call the workloads (or Gateway) it targets, with Istio's
 * semantics (any matching DENY denies; else, if any ALLOW applies, one must match; AUDIT only counts and logs).
 * {@code rules} null means the field is absent or empty: an ALLOW policy without rules matches nothing (default
 * deny), a DENY or AUDIT policy without rules matches nothing either. A rule with nothing in it matches every
 * request. {@code from} and {@code to} are read in Istio's shape ({@code from: [{source: {...}}]}) and in the flat
 * one ({@code from: [{principals: [...]}]} or a single object); both mean the same.
 */
public record AuthorizationPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, Action action, boolean dryRun,
                                  List<Rule> rules) implements MeshObject {
    public static final String KIND = "AuthorizationPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS =
            List.of(PolicyTargetRef.GATEWAY, PolicyTargetRef.SERVICE, PolicyTargetRef.WORKLOAD);

    public enum Action { ALLOW, DENY, AUDIT }

    /** Matches when one of {@code from} (none: any), one of {@code to} (none: any) and every {@code when} match. */
    public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
        public Rule {
            from = List.copyOf(from);
            to = List.copyOf(to);
            when = List.copyOf(when);
        }
    }

    /** Who calls: each non-empty list must match (one of its values), each not-list must not. */
    public record Source(List<String> principals, List<String> notPrincipals, List<String> namespaces,
                         List<String> notNamespaces, List<String> ipBlocks, List<String> notIpBlocks,
                         List<String> requestPrincipals, List<String> notRequestPrincipals) {
        public Source {
            principals = List.copyOf(principals);
            notPrincipals = List.copyOf(notPrincipals);
            namespaces = List.copyOf(namespaces);
            notNamespaces = List.copyOf(notNamespaces);
            ipBlocks = List.copyOf(ipBlocks);
            notIpBlocks = List.copyOf(notIpBlocks);
            requestPrincipals = List.copyOf(requestPrincipals);
            notRequestPrincipals = List.copyOf(notRequestPrincipals);
        }
    }

    /**
     * What is called. Ports are numbers. {@code pathRegexes} (one must match the path from its start) and
     * {@code headerRegexes} (each named header's value must match its regex as a whole) are never read from an
     * AuthorizationPolicy: they carry SMI HTTPRouteGroup matches into the same evaluation.
     */
    public record Operation(List<String> hosts, List<String> notHosts, List<String> methods, List<String> notMethods,
                            List<String> paths, List<String> notPaths, List<Integer> ports, List<Integer> notPorts,
                            List<String> pathRegexes, java.util.Map<String, String> headerRegexes) {
        public Operation {
            hosts = List.copyOf(hosts);
            notHosts = List.copyOf(notHosts);
            methods = List.copyOf(methods);
            notMethods = List.copyOf(notMethods);
            paths = List.copyOf(paths);
            notPaths = List.copyOf(notPaths);
            ports = List.copyOf(ports);
            notPorts = List.copyOf(notPorts);
            pathRegexes = List.copyOf(pathRegexes);
            headerRegexes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headerRegexes));
        }

        public Operation(List<String> hosts, List<String> notHosts, List<String> methods, List<String> notMethods,
                         List<String> paths, List<String> notPaths, List<Integer> ports, List<Integer> notPorts) {
            this(hosts, notHosts, methods, notMethods, paths, notPaths, ports, notPorts, List.of(), java.util.Map.of());
        }
    }

    /** A {@code when} condition: {@code key} (such as {@code request.headers[x-tenant]}) has one of values, none of notValues. */
    public record Condition(String key, List<String> values, List<String> notValues) {
        public Condition {
            requireNonNull(key, "key");
            values = List.copyOf(values);
            notValues = List.copyOf(notValues);
        }
    }

    public AuthorizationPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
        requireNonNull(action, "action");
        rules = rules == null ? null : List.copyOf(rules);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The {@code when} keys understood, as Istio spells them; {@code NAME} in brackets for the indexed ones. */
    static final Pattern CONDITION_KEY = Pattern.compile("request\\.headers\\[[!#$%&'*+.^_`|~0-9A-Za-z-]+\\]"
            + "|source\\.ip|remote\\.ip|source\\.namespace|source\\.principal|destination\\.ip|destination\\.port"
            + "|connection\\.sni|request\\.auth\\.principal|request\\.auth\\.audiences|request\\.auth\\.presenter"
            + "|request\\.auth\\.claims\\[[^\\]]+\\](\\[[^\\]]+\\])*");
    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    static AuthorizationPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.present()) spec.object();
        spec.known("targetRefs", "action", "dryRun", "rules");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(spec.get("targetRefs"), TARGETS);
        String a = spec.get("action").oneOf("ALLOW", List.of("ALLOW", "DENY", "AUDIT"));
        boolean dryRun = spec.get("dryRun").bool(false);
        Field rf = spec.get("rules");
        List<Rule> rules = null;
        List<Field> rl = rf.list();
        if (!rl.isEmpty()) {
            rules = new ArrayList<>();
            for (Field rule : rl) {
                if (!rule.object()) continue;
                rule.known("from", "to", "when");
                List<Source> from = new ArrayList<>();
                for (Field f : items(rule.get("from"))) {
                    Field s = nested(f, "source");
                    if (s == null) continue;
                    s.known("principals", "notPrincipals", "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks",
                            "requestPrincipals", "notRequestPrincipals");
                    Source src = new Source(principals(s.get("principals")), principals(s.get("notPrincipals")),
                            names(s.get("namespaces")), names(s.get("notNamespaces")), cidrs(s.get("ipBlocks")),
                            cidrs(s.get("notIpBlocks")), wild(s.get("requestPrincipals")), wild(s.get("notRequestPrincipals")));
                    if (src.equals(new Source(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()))) {
                        s.problem("must have at least one field");
                    }
                    from.add(src);
                }
                List<Operation> to = new ArrayList<>();
                for (Field f : items(rule.get("to"))) {
                    Field o = nested(f, "operation");
                    if (o == null) continue;
                    o.known("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths", "ports", "notPorts");
                    Operation op = new Operation(wild(o.get("hosts")), wild(o.get("notHosts")), methods(o.get("methods")),
                            methods(o.get("notMethods")), paths(o.get("paths")), paths(o.get("notPaths")),
                            ports(o.get("ports")), ports(o.get("notPorts")));
                    if (op.equals(new Operation(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()))) {
                        o.problem("must have at least one field");
                    }
                    to.add(op);
                }
                List<Condition> when = new ArrayList<>();
                for (Field c : rule.get("when").list()) {
                    if (!c.object()) continue;
                    c.known("key", "values", "notValues");
                    Field kf = c.get("key");
                    String key = kf.requiredString();
                    List<String> values = c.get("values").strings();
                    List<String> notValues = c.get("notValues").strings();
                    if (key.isEmpty()) continue;
                    if (!CONDITION_KEY.matcher(key).matches()) {
                        kf.problem("unsupported key \"" + key + "\" (request.headers[NAME], source.ip, remote.ip, "
                                + "source.namespace, source.principal, destination.ip, destination.port, connection.sni, "
                                + "request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME])");
                        continue;
                    }
                    if (values.isEmpty() && notValues.isEmpty()) c.problem("must have values or notValues");
                    if (key.equals("destination.port")) {
                        for (String v : values) if (!v.matches("[0-9]{1,5}")) c.get("values").problem("destination.port values must be port numbers, not \"" + v + "\"");
                    }
                    when.add(new Condition(key, values, notValues));
                }
                rules.add(new Rule(from, to, when));
            }
        }
        return new AuthorizationPolicy(meta, targets, AuthorizationPolicy.Action.valueOf(a), dryRun, rules);
    }

    /** The entries of {@code from}/{@code to}: a list, or one object. */
    private static List<Field> items(Field f) {
        if (!f.present()) return List.of();
        if (f.json().isObject()) return List.of(f);
        return f.list();
    }

    /** Istio's {@code {source: {...}}} wrapper, or the flat object itself. */
    private static Field nested(Field f, String wrapper) {
        if (!f.object()) return null;
        Field w = f.get(wrapper);
        if (w.present()) {
            f.known(wrapper);
            return w.object() ? w : null;
        }
        return f;
    }

    /** Values with {@code *} only as the whole value, a prefix or a suffix, as Istio allows. */
    private static List<String> wild(Field f) {
        List<String> out = f.strings();
        for (String v : out) {
            if (v.isEmpty()) f.problem("must not hold an empty value");
            else if (v.length() > 2 && v.substring(1, v.length() - 1).contains("*")) {
                f.problem("\"" + v + "\": '*' may only be the whole value, a prefix or a suffix");
            } else if (v.length() > 1 && v.startsWith("*") && v.endsWith("*")) {
                f.problem("\"" + v + "\": '*' may only be a prefix or a suffix, not both");
            }
        }
        return out;
    }

    private static List<String> principals(Field f) {
        List<String> out = wild(f);
        for (String v : out) {
            if (v.startsWith("spiffe://") ? v.length() == "spiffe://".length() : v.contains("://")) {
                f.problem("\"" + v + "\" is not a SPIFFE ID (spiffe://TRUST_DOMAIN/PATH, or TRUST_DOMAIN/PATH)");
            }
        }
        return out;
    }

    private static List<String> names(Field f) {
        List<String> out = wild(f);
        for (String v : out) {
            if (!v.contains("*") && !v.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                f.problem("\"" + v + "\" is not a namespace name");
            }
        }
        return out;
    }

    private static List<String> methods(Field f) {
        List<String> out = f.strings();
        for (String v : out) if (!METHOD.matcher(v).matches()) f.problem("\"" + v + "\" is not an HTTP method");
        return out;
    }

    private static List<String> paths(Field f) {
        List<String> out = wild(f);
        for (String v : out) {
            if (!v.startsWith("/") && !v.startsWith("*")) f.problem("\"" + v + "\" must start with / (or be a * suffix match)");
        }
        return out;
    }

    private static List<Integer> ports(Field f) {
        List<Integer> out = new ArrayList<>();
        for (Field p : f.list()) {
            String s = p.json().isNumber() ? p.json().asText() : p.string(null);
            if (s == null) continue;
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 65535) p.problem("must be a port number 1-65535, not \"" + s + "\"");
            else out.add(n);
        }
        return out;
    }

    private static List<String> cidrs(Field f) {
        List<String> out = f.strings();
        for (String v : out) {
            String bad = Cidr.check(v);
            if (bad != null) f.problem("\"" + v + "\": " + bad);
        }
        return out;
    }
}
