package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * gateway.networking.k8s.io HTTPRoute (v1, or v1beta1). Defaults are applied as the CRD does: a rule without
 * matches matches PathPrefix "/", a ref's group/kind default to Gateway's (parents) or core Service (backends),
 * weight defaults to 1. Filters are typed and validated by {@link HttpFilters}.
 */
public record HttpRoute(ObjectMeta meta, List<ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements MeshObject {
    public static final String KIND = "HTTPRoute";
    public static final String GROUP = "gateway.networking.k8s.io";
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    /** namespace, sectionName and port are null when not written. */
    public record ParentRef(String group, String kind, String namespace, String name, String sectionName, Integer port) {
        public ParentRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
        }

        public boolean isGateway() {
            return GROUP.equals(group) && "Gateway".equals(kind);
        }

        public boolean isService() {
            return group.isEmpty() && Service.KIND.equals(kind);
        }

        public boolean isListenerSet() {
            return GROUP.equals(group) && ListenerSet.KIND.equals(kind);
        }
    }

    /**
     * A rule: name null when not written; timeouts in milliseconds (null when not written, 0 disables); retry null
     * when not written; sessionPersistence null when not written.
     */
    public record Rule(String name, List<Match> matches, List<HttpFilters.Filter> filters, List<BackendRef> backendRefs,
                       Timeouts timeouts, Retry retry, SessionPersistence sessionPersistence) {
        public Rule {
            matches = List.copyOf(matches);
            backendRefs = List.copyOf(backendRefs);
            filters = List.copyOf(filters);
            requireNonNull(timeouts, "timeouts");
        }

        public Rule(List<Match> matches, List<BackendRef> backendRefs) {
            this(null, matches, List.of(), backendRefs, Timeouts.NONE, null, null);
        }
    }

    /**
     * GEP-1619 session persistence of a rule (HTTPRoute and GRPCRoute). {@code type} is "Cookie" (the default) or
     * "Header"; {@code name} is the cookie or header name, null when not written (translation picks one); timeouts
     * in milliseconds, null when not written; {@code permanent} is cookie lifetimeType Permanent (then
     * absoluteTimeout is set); {@code cookiePath} null when not written. Both shapes of the API are read: v1.x's
     * {@code sessionName}, {@code idleTimeout} and {@code cookieConfig.lifetimeType}, and the later union
     * {@code cookie {name, path, lifetimeType}} / {@code header {name}}.
     */
    public record SessionPersistence(String type, String name, Long absoluteTimeout, Long idleTimeout, boolean permanent,
                                     String cookiePath) {
        public SessionPersistence {
            requireNonNull(type, "type");
        }

        public boolean cookie() {
            return type.equals("Cookie");
        }
    }

    /** HTTPRouteTimeouts in milliseconds; null when not written; 0 disables. */
    public record Timeouts(Long request, Long backendRequest) {
        public static final Timeouts NONE = new Timeouts(null, null);
    }

    /** HTTPRouteRetry: attempts null when not written; codes (400-599); backoff in milliseconds or null. */
    public record Retry(Integer attempts, List<Integer> codes, Long backoff) {
        public Retry {
            codes = List.copyOf(codes);
        }
    }

    /** method is null when any method matches. */
    public record Match(PathMatch path, List<ValueMatch> headers, List<ValueMatch> queryParams, String method) {
        public Match {
            requireNonNull(path, "path");
            headers = List.copyOf(headers);
            queryParams = List.copyOf(queryParams);
        }
    }

    /**
     * type Exact, PathPrefix or RegularExpression; also "Prefix", a plain string prefix that only GRPCRoute
     * translation makes ("/service/").
     */
    public record PathMatch(String type, String value) {}

    /** type Exact or RegularExpression. */
    public record ValueMatch(String type, String name, String value) {}

    /** namespace and port are null when not written; filters are backendRef-level filters. */
    public record BackendRef(String group, String kind, String name, String namespace, Integer port, int weight,
                             List<HttpFilters.Filter> filters) {
        public BackendRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
            filters = List.copyOf(filters);
        }

        public BackendRef(String group, String kind, String name, String namespace, Integer port, int weight) {
            this(group, kind, name, namespace, port, weight, List.of());
        }

        public boolean isService() {
            return group.isEmpty() && Service.KIND.equals(kind);
        }

        public boolean isListenerSet() {
            return GROUP.equals(group) && ListenerSet.KIND.equals(kind);
        }
    }

    public HttpRoute {
        requireNonNull(meta, "meta");
        parentRefs = List.copyOf(parentRefs);
        hostnames = List.copyOf(hostnames);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static HttpRoute read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("parentRefs", "hostnames", "rules");
        List<ParentRef> parents = readParentRefs(spec);
        List<String> hostnames = readHostnames(spec);
        List<Rule> rules = new ArrayList<>();
        Field rf = spec.get("rules");
        List<Field> rfs = rf.list();
        if (rfs.size() > 16) rf.problem("at most 16 rules");
        if (!rf.present()) {
            rules.add(new Rule(List.of(defaultMatch()), List.of()));
        }
        Set<String> ruleNames = new HashSet<>();
        for (Field rule : rfs) {
            if (!rule.object()) continue;
            rule.known("name", "matches", "filters", "backendRefs", "timeouts", "retry", "sessionPersistence");
            String name = ruleName(rule.get("name"), ruleNames);
            List<Match> matches = new ArrayList<>();
            List<Field> mf = rule.get("matches").list();
            if (mf.size() > 64) rule.get("matches").problem("at most 64 matches");
            for (Field m : mf) matches.add(readMatch(m));
            if (mf.isEmpty()) matches.add(defaultMatch());
            List<BackendRef> backends = new ArrayList<>();
            for (Field b : rule.get("backendRefs").list()) {
                if (!b.object()) continue;
                BackendRef ref = readBackendRef(b, true, KIND);
                backends.add(ref);
                checkPrefixRewrites(ref.filters(), b.get("filters"), matches);
            }
            List<HttpFilters.Filter> filters = HttpFilters.read(rule.get("filters"), KIND);
            checkPrefixRewrites(filters, rule.get("filters"), matches);
            rules.add(new Rule(name, matches, filters, backends, timeouts(rule.get("timeouts")), retry(rule.get("retry")),
                    sessionPersistence(rule.get("sessionPersistence"))));
        }
        return new HttpRoute(meta, parents, hostnames, rules);
    }

    /** spec.parentRefs, with the defaults of a route's parentRef (group gateway.networking.k8s.io, kind Gateway). */
    static List<ParentRef> readParentRefs(Field spec) {
        List<ParentRef> parents = new ArrayList<>();
        List<Field> pf = spec.get("parentRefs").list();
        if (pf.size() > 32) spec.get("parentRefs").problem("at most 32 parentRefs");
        for (Field p : pf) {
            if (!p.object()) continue;
            p.known("group", "kind", "namespace", "name", "sectionName", "port");
            String group = p.get("group").string(GROUP);
            String kind = p.get("kind").string("Gateway");
            String ns = p.get("namespace").string(null);
            String name = p.get("name").requiredString();
            String section = p.get("sectionName").string(null);
            Integer port = p.get("port").port(false);
            parents.add(new ParentRef(group, kind, ns, name, section, port));
        }
        return parents;
    }

    /** spec.hostnames, each checked. */
    static List<String> readHostnames(Field spec) {
        List<String> hostnames = spec.get("hostnames").strings();
        if (hostnames.size() > 16) spec.get("hostnames").problem("at most 16 hostnames");
        for (int i = 0; i < hostnames.size(); i++) {
            String bad = Hostnames.check(hostnames.get(i));
            if (bad != null) spec.get("hostnames").at(i).problem(bad);
        }
        return hostnames;
    }

    /** A rule's name: a DNS label (RFC 1123), unique within the route; null when not written. */
    static String ruleName(Field f, Set<String> seen) {
        String name = f.string(null);
        if (name == null) return null;
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            f.problem("must be a lowercase RFC 1123 label (a-z, 0-9 and \"-\", at most 63), not \"" + name + "\"");
            return null;
        }
        if (!seen.add(name)) f.problem("rule name \"" + name + "\" is used by another rule of this route");
        return name;
    }

    /** A backendRef; with filters when {@code withFilters} (a mirror's backendRef has neither weight nor filters). */
    static BackendRef readBackendRef(Field b, boolean withFilters, String routeKind) {
        if (withFilters) b.known("group", "kind", "name", "namespace", "port", "weight", "filters");
        else b.known("group", "kind", "name", "namespace", "port");
        String group = b.get("group").string("");
        String kind = b.get("kind").string(Service.KIND);
        String name = b.get("name").requiredString();
        String ns = b.get("namespace").string(null);
        Integer port = b.get("port").port(false);
        if (port == null && !b.get("port").present() && group.isEmpty() && kind.equals(Service.KIND)) {
            b.get("port").problem("required when kind is Service");
        }
        int weight = withFilters ? b.get("weight").integer(1, 0, 1_000_000) : 1;
        List<HttpFilters.Filter> filters = withFilters ? HttpFilters.read(b.get("filters"), routeKind) : List.of();
        return new BackendRef(group, kind, name, ns, port, weight, filters);
    }

    /** ReplacePrefixMatch (redirect or rewrite) needs the rule to have exactly one match, a PathPrefix one. */
    private static void checkPrefixRewrites(List<HttpFilters.Filter> filters, Field list, List<Match> matches) {
        for (int i = 0; i < filters.size(); i++) {
            HttpFilters.PathModifier pm = switch (filters.get(i)) {
                case HttpFilters.Redirect r -> r.path();
                case HttpFilters.Rewrite r -> r.path();
                default -> null;
            };
            if (pm == null || pm.fullPath()) continue;
            if (matches.size() != 1 || !matches.get(0).path().type().equals("PathPrefix")) {
                list.problem(filters.get(i).type() + " with ReplacePrefixMatch needs the rule to have exactly one match, "
                        + "with a PathPrefix path");
            }
        }
    }

    static Timeouts timeouts(Field f) {
        if (!f.object()) return Timeouts.NONE;
        f.known("request", "backendRequest");
        Long request = HttpFilters.duration(f.get("request"));
        Long backend = HttpFilters.duration(f.get("backendRequest"));
        if (request != null && backend != null && request != 0 && backend > request) {
            f.get("backendRequest").problem("must not be longer than request (" + f.get("request").string("") + ")");
        }
        return new Timeouts(request, backend);
    }

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+\\-.^_`|~]+");

    /** A rule's sessionPersistence, checked as the CRD's validation rules do; null when not written. */
    static SessionPersistence sessionPersistence(Field f) {
        if (!f.present() || !f.object()) return null;
        f.known("sessionName", "absoluteTimeout", "idleTimeout", "type", "cookieConfig", "cookie", "header");
        String type = f.get("type").oneOf("Cookie", List.of("Cookie", "Header"));
        String name = f.get("sessionName").string(null);
        if (name != null && name.length() > 128) f.get("sessionName").problem("must be at most 128 characters");
        Long absolute = HttpFilters.duration(f.get("absoluteTimeout"));
        Long idle = HttpFilters.duration(f.get("idleTimeout"));
        String lifetime = null;
        String path = null;
        Field cookieConfig = f.get("cookieConfig");
        if (cookieConfig.present() && cookieConfig.object()) {
            cookieConfig.known("lifetimeType");
            lifetime = cookieConfig.get("lifetimeType").oneOf(null, List.of("Permanent", "Session"));
        }
        Field cookie = f.get("cookie");
        if (cookie.present() && cookie.object()) {
            cookie.known("name", "path", "lifetimeType");
            String n = cookie.get("name").string(null);
            if (n != null) name = n;
            path = cookie.get("path").string(null);
            if (path != null && (!path.startsWith("/") || path.length() > 1024 || path.contains(";"))) {
                cookie.get("path").problem("must be a path starting with \"/\", at most 1024 characters, without \";\"");
                path = null;
            }
            String l = cookie.get("lifetimeType").oneOf(null, List.of("Permanent", "Session"));
            if (l != null) lifetime = l;
        }
        Field header = f.get("header");
        if (header.present() && header.object()) {
            header.known("name");
            name = header.get("name").requiredString();
        }
        if ((cookieConfig.present() || cookie.present()) && !type.equals("Cookie")) {
            (cookie.present() ? cookie : cookieConfig).problem("can only be set with type Cookie");
        }
        if (header.present() && !type.equals("Header")) header.problem("can only be set with type Header");
        if ("Permanent".equals(lifetime) && absolute == null) {
            f.get("absoluteTimeout").problem("must be set when the cookie lifetimeType is Permanent");
        }
        if (name != null && !TOKEN.matcher(name).matches()) {
            f.problem("the session name must be an HTTP token (cookie or header name), not \"" + name + "\"");
            name = null;
        }
        return new SessionPersistence(type, name, absolute, idle, "Permanent".equals(lifetime), path);
    }

    static Retry retry(Field f) {
        if (!f.object()) return null;
        f.known("codes", "attempts", "backoff");
        Integer attempts = f.get("attempts").integer(null, 0, 1000);
        List<Integer> codes = new ArrayList<>();
        for (Field c : f.get("codes").list()) {
            Integer code = c.integer(null, 400, 599);
            if (code != null && !codes.contains(code)) codes.add(code);
        }
        Long backoff = HttpFilters.duration(f.get("backoff"));
        return new Retry(attempts, codes, backoff);
    }

    private static Match defaultMatch() {
        return new Match(new PathMatch("PathPrefix", "/"), List.of(), List.of(), null);
    }

    private static Match readMatch(Field m) {
        m.object();
        m.known("path", "headers", "queryParams", "method");
        Field path = m.get("path");
        path.object();
        path.known("type", "value");
        String type = path.get("type").oneOf("PathPrefix", List.of("Exact", "PathPrefix", "RegularExpression"));
        String value = path.get("value").string("/");
        if (type.equals("RegularExpression")) {
            checkRegex(path.get("value"), value);
        } else if (!value.startsWith("/")) {
            path.get("value").problem("must start with \"/\", not \"" + value + "\"");
        } else if (value.contains("?")) {
            path.get("value").problem("must not contain \"?\": match query parameters with queryParams");
        } else if (value.contains("//") || value.contains("/./") || value.contains("/../") || value.endsWith("/..")
                || value.endsWith("/.") || value.contains("%2f") || value.contains("%2F") || value.contains("#")) {
            path.get("value").problem("must be a normalized path without \"//\", \"/./\", \"/../\", \"%2f\" or \"#\", not \"" + value + "\"");
        }
        List<ValueMatch> headers = readValueMatches(m.get("headers"), false);
        List<ValueMatch> query = readValueMatches(m.get("queryParams"), true);
        String method = m.get("method").oneOf(null, METHODS);
        return new Match(new PathMatch(type, value), headers, query, method);
    }

    /** Later entries with an equivalent name are dropped, as the spec asks (header names compare case-insensitively). */
    static List<ValueMatch> readValueMatches(Field list, boolean caseSensitive) {
        List<ValueMatch> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Field> items = list.list();
        if (items.size() > 16) list.problem("at most 16 entries");
        for (Field h : items) {
            if (!h.object()) continue;
            h.known("type", "name", "value");
            String type = h.get("type").oneOf("Exact", List.of("Exact", "RegularExpression"));
            String name = h.get("name").requiredString();
            String value = h.get("value").require() ? h.get("value").string("") : "";
            if (type.equals("RegularExpression")) checkRegex(h.get("value"), value);
            if (!caseSensitive && !name.matches("[-!#$%&'*+.^_`|~0-9a-zA-Z]+") && !name.isEmpty()) {
                h.get("name").problem("must be an HTTP header name, not \"" + name + "\"");
            }
            String key = caseSensitive ? name : name.toLowerCase(Locale.ROOT);
            if (seen.add(key)) out.add(new ValueMatch(type, name, value));
        }
        return out;
    }

    /** Constructs that Java accepts but RE2 (Envoy's safe_regex, and the proxy's) does not. */
    private static final Pattern NOT_RE2 = Pattern.compile("\\(\\?[=!>]|\\(\\?<[=!]|\\\\[1-9]|(?<!\\\\)[*+?}][+]");

    static void checkRegex(Field f, String value) {
        try {
            Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            f.problem("invalid regular expression: " + e.getDescription());
            return;
        }
        if (NOT_RE2.matcher(value).find()) {
            f.problem("not RE2 syntax: lookaround, backreferences, atomic groups and possessive quantifiers are not supported");
        }
    }
}
