package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.GrpcRoute;
import dev.lattice.model.HttpFilters;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Resolves an HTTPRoute's rules: backendRefs into weighted clusters (with their backendRef-level filters), rule
 * filters into the route's action and {@link Ir.RouteFilters} (see {@link FilterTranslator}), with the route's
 * ResolvedRefs outcome, and the reason why the route cannot be accepted at all, if any.
 */
final class RouteResolution {
    static final String INVALID_PREFIX = "lattice.invalid/";

    /**
     * A route with the action and filters of each rule, the ResolvedRefs outcome (reason null when every ref
     * resolved), and the Accepted=False outcome (rejectReason null when the route can be accepted).
     */
    record ResolvedRoute(HttpRoute route, Resource resource, List<Ir.Action> actions, List<Ir.RouteFilters> filters,
                         String refReason, String refMessage, String rejectReason, String rejectMessage, GrpcRoute grpc) {
        ResolvedRoute {
            actions = List.copyOf(actions);
            filters = List.copyOf(filters);
        }

        ResolvedRoute(HttpRoute route, Resource resource, List<Ir.Action> actions, String refReason, String refMessage) {
            this(route, resource, actions, actions.stream().map(a -> Ir.RouteFilters.NONE).toList(), refReason, refMessage,
                    null, null, null);
        }
    }

    /** The outcome of one backendRef: its cluster, or the lattice.invalid cluster with the reason. */
    record Backend(String cluster, String reason, String message, String field, String refPath) {
        boolean valid() {
            return reason == null;
        }
    }

    private RouteResolution() {}

    static String clusterName(String namespace, String service, int port) {
        return namespace + "/" + service + "/" + port;
    }

    /**
     * Resolves one backendRef (kind, ReferenceGrant for a route of {@code routeKind}, Service and port); {@code field}
     * names it in problems. For a GRPCRoute the cluster is h2c: the Service port's own when it is declared h2c, else
     * its h2c variant ({@link GrpcRoutes#H2C_SUFFIX}).
     */
    static Backend backend(HttpRoute.BackendRef b, String routeKind, String routeNs, String field, MeshIndex index,
                           Predicate<String> clusterExists) {
        return backend(b, routeKind, routeNs, field, index, clusterExists, Set.of());
    }

    /**
     * As above; {@code parentServices} ({@code ns/name}) are the Services a mesh route (all its parents Services) is
     * attached to: a backendRef to one of them needs no ReferenceGrant, since the route's clients reach that Service
     * anyway (upstream's mesh-consumer-route: a consumer route sends to its producer parent). Any other Service in
     * another namespace still needs one.
     */
    static Backend backend(HttpRoute.BackendRef b, String routeKind, String routeNs, String field, MeshIndex index,
                           Predicate<String> clusterExists, Set<String> parentServices) {
        String ns = b.namespace() == null ? routeNs : b.namespace();
        if (!b.isService()) {
            return new Backend(null, "InvalidKind", "backendRef kind " + (b.group().isEmpty() ? "" : b.group() + "/") + b.kind()
                    + " is not supported: only core Service", field + ".kind", field);
        }
        if (!ns.equals(routeNs) && !parentServices.contains(ns + "/" + b.name()) && !index.granted(HttpRoute.GROUP, routeKind, routeNs, "", Service.KIND, ns, b.name())) {
            return new Backend(null, "RefNotPermitted", "Service " + ns + "/" + b.name() + " is in another namespace and no "
                    + "ReferenceGrant in " + ns + " allows " + routeKind + "s from " + routeNs + " to refer to it", field + ".namespace", field);
        }
        Service s = index.service(ns, b.name());
        if (s == null) return new Backend(null, "BackendNotFound", "Service " + ns + "/" + b.name() + " not found", field, field);
        if (b.port() == null || s.port(b.port()) == null) {
            return new Backend(null, "BackendNotFound", "Service " + ns + "/" + b.name() + " has no port " + b.port() + " (it has "
                    + String.join(", ", s.ports().stream().map(p -> Integer.toString(p.port())).toList()) + ")", field + ".port", field);
        }
        String cluster = clusterName(ns, b.name(), b.port());
        if (!clusterExists.test(cluster)) {
            return new Backend(null, "BackendNotFound", "Service " + ns + "/" + b.name() + " port " + b.port() + " is not TCP",
                    field + ".port", field);
        }
        if (routeKind.equals(GrpcRoute.KIND) && !s.port(b.port()).h2c()) cluster += GrpcRoutes.H2C_SUFFIX;
        return new Backend(cluster, null, null, field, field);
    }

    static ResolvedRoute resolve(HttpRoute route, Resource resource, MeshIndex index, Predicate<String> clusterExists,
                                 List<Problem> problems) {
        return resolve(route, null, resource, index, clusterExists, problems);
    }

    /** {@code grpc} is the GRPCRoute that {@code route} was made from ({@link GrpcRoutes#toHttp}), else null. */
    static ResolvedRoute resolve(HttpRoute route, GrpcRoute grpc, Resource resource, MeshIndex index,
                                 Predicate<String> clusterExists, List<Problem> problems) {
        String routeNs = route.meta().namespace();
        String routeKind = resource.kind();
        Set<String> parentServices = !route.parentRefs().isEmpty() && route.parentRefs().stream().allMatch(HttpRoute.ParentRef::isService)
                ? route.parentRefs().stream().map(p -> (p.namespace() == null ? routeNs : p.namespace()) + "/" + p.name())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet())
                : Set.of();
        String[] ref = new String[2];
        String[] reject = new String[2];
        List<Ir.Action> actions = new ArrayList<>();
        List<Ir.RouteFilters> ruleFilters = new ArrayList<>();
        FilterTranslator filters = new FilterTranslator(resource, problems);
        for (int i = 0; i < route.rules().size(); i++) {
            HttpRoute.Rule rule = route.rules().get(i);
            String rulePath = "spec.rules[" + i + "]";
            String[] rejected = filters.rejection(rule, rulePath);
            if (rejected != null && reject[0] == null) {
                reject[0] = rejected[0];
                reject[1] = rejected[1];
            }
            record Key(String cluster, Ir.HeaderOps request, Ir.HeaderOps response, Ir.PathRewrite rewrite, String host,
                       Ir.Redirect redirect) {}
            Map<Key, Integer> weights = new LinkedHashMap<>();
            for (int j = 0; j < rule.backendRefs().size(); j++) {
                HttpRoute.BackendRef b = rule.backendRefs().get(j);
                String field = rulePath + ".backendRefs[" + j + "]";
                Backend be = backend(b, routeKind, routeNs, field, index, clusterExists, parentServices);
                String extension = FilterTranslator.extensionRef(b.filters());
                if (be.valid() && extension != null) {
                    be = new Backend(null, "InvalidKind", "backendRef filter ExtensionRef " + extension
                            + " is not supported: Lattice has no extension filters", field + ".filters", field);
                }
                String cluster;
                if (!be.valid()) {
                    record(ref, be, problems, resource);
                    cluster = INVALID_PREFIX + be.reason();
                } else {
                    cluster = be.cluster();
                }
                Ir.HeaderOps req = be.valid() ? FilterTranslator.headers(b.filters(), false) : Ir.HeaderOps.NONE;
                Ir.HeaderOps resp = be.valid() ? FilterTranslator.headers(b.filters(), true) : Ir.HeaderOps.NONE;
                HttpFilters.Rewrite brw = be.valid() ? FilterTranslator.rewrite(b.filters()) : null;
                Ir.PathRewrite bpath = brw == null || brw.path() == null ? null
                        : new Ir.PathRewrite(brw.path().fullPath(), brw.path().value());
                Ir.Redirect bredirect = be.valid() ? FilterTranslator.redirect(b.filters()) : null;
                if (b.weight() > 0) {
                    weights.merge(new Key(cluster, req, resp, bpath, brw == null ? null : brw.hostname(), bredirect),
                            b.weight(), Integer::sum);
                }
            }
            String extension = FilterTranslator.extensionRef(rule.filters());
            Ir.RouteFilters rf = FilterTranslator.routeFilters(rule.filters());
            ruleFilters.add(rf);
            if (extension != null) {
                Backend bad = new Backend(null, "InvalidKind", "filter ExtensionRef " + extension
                        + " is not supported: Lattice has no extension filters; the rule answers 500", rulePath + ".filters",
                        rulePath + ".filters");
                record(ref, bad, problems, resource);
                actions.add(new Ir.DirectResponse(500, "route rule uses an unsupported ExtensionRef filter"));
                continue;
            }
            Ir.Redirect redirect = FilterTranslator.redirect(rule.filters());
            if (redirect != null) {
                actions.add(redirect);
                continue;
            }
            if (weights.isEmpty()) {
                String body = rule.backendRefs().isEmpty() ? "route rule has no backendRefs" : "every backendRef of the route rule has weight 0";
                actions.add(new Ir.DirectResponse(500, body));
                continue;
            }
            List<Ir.WeightedCluster> ws = new ArrayList<>();
            weights.forEach((k, w) -> ws.add(new Ir.WeightedCluster(k.cluster(), w, k.request(), k.response(), k.rewrite(),
                    k.host(), k.redirect())));
            List<Ir.Mirror> mirrors = new ArrayList<>();
            for (int k = 0; k < rule.filters().size(); k++) {
                if (!(rule.filters().get(k) instanceof HttpFilters.Mirror m)) continue;
                String field = rulePath + ".filters[" + k + "].requestMirror.backendRef";
                Backend be = backend(m.backend(), routeKind, routeNs, field, index, clusterExists, parentServices);
                if (!be.valid()) {
                    record(ref, be, problems, resource);
                    continue;
                }
                mirrors.add(FilterTranslator.mirror(be.cluster(), m));
            }
            boolean invalid = ws.stream().anyMatch(w -> w.name().startsWith(INVALID_PREFIX));
            HttpFilters.Rewrite rw = FilterTranslator.rewrite(rule.filters());
            Ir.PathRewrite pathRewrite = rw == null || rw.path() == null ? null
                    : new Ir.PathRewrite(rw.path().fullPath(), rw.path().value());
            long timeout = rule.timeouts().request() == null ? 0 : rule.timeouts().request();
            actions.add(new Ir.Forward(ws, invalid, pathRewrite, rw == null ? null : rw.hostname(), mirrors, timeout,
                    FilterTranslator.retry(rule), FilterTranslator.session(rule.sessionPersistence(), routeKind,
                            routeNs, route.meta().name(), i)));
        }
        return new ResolvedRoute(route, resource, actions, ruleFilters, ref[0], ref[1], reject[0], reject[1], grpc);
    }

    /** Records an invalid reference: a problem, and the route's ResolvedRefs reason when it is the first. */
    private static void record(String[] ref, Backend bad, List<Problem> problems, Resource resource) {
        if (ref[0] == null) {
            ref[0] = bad.reason();
            ref[1] = bad.refPath() + ": " + bad.message();
        }
        problems.add(Lines.problem(resource, bad.field(), bad.message()));
    }
}
