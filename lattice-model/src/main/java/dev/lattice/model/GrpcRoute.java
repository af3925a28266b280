package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * gateway.networking.k8s.io GRPCRoute (v1): gRPC requests routed by service, method and headers to weighted
 * backends. parentRefs, hostnames and backendRefs have HTTPRoute's shape and defaults; filters are HTTPRoute's
 * RequestHeaderModifier, ResponseHeaderModifier, RequestMirror and ExtensionRef. A rule without matches matches
 * every request.
 */
public record GrpcRoute(ObjectMeta meta, List<HttpRoute.ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements MeshObject {
    public static final String KIND = "GRPCRoute";
    private static final Pattern SERVICE = Pattern.compile("\\.?[A-Za-z_][A-Za-z_0-9]*(\\.[A-Za-z_][A-Za-z_0-9]*)*");
    private static final Pattern METHOD = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");

    /** name null when not written; sessionPersistence null when not written. */
    public record Rule(String name, List<Match> matches, List<HttpFilters.Filter> filters,
                       List<HttpRoute.BackendRef> backendRefs, HttpRoute.SessionPersistence sessionPersistence) {
        public Rule {
            matches = List.copyOf(matches);
            filters = List.copyOf(filters);
            backendRefs = List.copyOf(backendRefs);
        }
    }

    /** method null when the match has none (any method of any service). */
    public record Match(MethodMatch method, List<HttpRoute.ValueMatch> headers) {
        public Match {
            headers = List.copyOf(headers);
        }
    }

    /** type Exact or RegularExpression; service and method null when not written (at least one is). */
    public record MethodMatch(String type, String service, String method) {
        public MethodMatch {
            requireNonNull(type, "type");
        }
    }

    public GrpcRoute {
        requireNonNull(meta, "meta");
        parentRefs = List.copyOf(parentRefs);
        hostnames = List.copyOf(hostnames);
        rules = List.copyOf(rules);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static GrpcRoute read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("parentRefs", "hostnames", "rules");
        List<HttpRoute.ParentRef> parents = HttpRoute.readParentRefs(spec);
        List<String> hostnames = HttpRoute.readHostnames(spec);
        List<Rule> rules = new ArrayList<>();
        Field rf = spec.get("rules");
        List<Field> rfs = rf.list();
        if (rfs.size() > 16) rf.problem("at most 16 rules");
        if (!rf.present()) rules.add(new Rule(null, List.of(new Match(null, List.of())), List.of(), List.of(), null));
        Set<String> names = new HashSet<>();
        for (Field rule : rfs) {
            if (!rule.object()) continue;
            rule.known("name", "matches", "filters", "backendRefs", "sessionPersistence");
            String name = HttpRoute.ruleName(rule.get("name"), names);
            List<Match> matches = new ArrayList<>();
            List<Field> mf = rule.get("matches").list();
            if (mf.size() > 64) rule.get("matches").problem("at most 64 matches");
            for (Field m : mf) {
                if (!m.object()) continue;
                m.known("method", "headers");
                matches.add(new Match(method(m.get("method")), HttpRoute.readValueMatches(m.get("headers"), false)));
            }
            if (mf.isEmpty()) matches.add(new Match(null, List.of()));
            List<HttpRoute.BackendRef> backends = new ArrayList<>();
            for (Field b : rule.get("backendRefs").list()) {
                if (b.object()) backends.add(HttpRoute.readBackendRef(b, true, KIND));
            }
            rules.add(new Rule(name, matches, HttpFilters.read(rule.get("filters"), KIND), backends,
                    HttpRoute.sessionPersistence(rule.get("sessionPersistence"))));
        }
        return new GrpcRoute(meta, parents, hostnames, rules);
    }

    private static MethodMatch method(Field f) {
        if (!f.object()) return null;
        f.known("type", "service", "method");
        String type = f.get("type").oneOf("Exact", List.of("Exact", "RegularExpression"));
        String service = f.get("service").string(null);
        String method = f.get("method").string(null);
        if (service == null && method == null) {
            f.problem("one or both of service and method must be set");
            return null;
        }
        if (type.equals("Exact")) {
            if (service != null && !SERVICE.matcher(service).matches()) {
                f.get("service").problem("must be a gRPC service name (dot-separated identifiers such as "
                        + "grpc.health.v1.Health), not \"" + service + "\"");
            }
            if (method != null && !METHOD.matcher(method).matches()) {
                f.get("method").problem("must be a gRPC method name (letters, digits and \"_\"), not \"" + method + "\"");
            }
        } else {
            if (service != null) HttpRoute.checkRegex(f.get("service"), service);
            if (method != null) HttpRoute.checkRegex(f.get("method"), method);
        }
        return new MethodMatch(type, service, method);
    }
}
