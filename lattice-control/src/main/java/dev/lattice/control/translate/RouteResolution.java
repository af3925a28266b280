package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Resolves an HTTPRoute's backendRefs into weighted clusters, with the ResolvedRefs condition and problems. */
final class RouteResolution {
    static final String INVALID_PREFIX = "lattice.invalid/";

    /** A route with the action of each rule, and the ResolvedRefs outcome (reason null when every ref resolved). */
    record ResolvedRoute(HttpRoute route, Resource resource, List<Ir.Action> actions, String refReason, String refMessage) {
        ResolvedRoute {
            actions = List.copyOf(actions);
        }
    }

    private RouteResolution() {}

    static String clusterName(String namespace, String service, int port) {
        return namespace + "/" + service + "/" + port;
    }

    static ResolvedRoute resolve(HttpRoute route, Resource resource, MeshIndex index, Predicate<String> clusterExists,
                                 List<Problem> problems) {
        String routeNs = route.meta().namespace();
        String reason = null;
        String reasonMessage = null;
        List<Ir.Action> actions = new ArrayList<>();
        for (int i = 0; i < route.rules().size(); i++) {
            HttpRoute.Rule rule = route.rules().get(i);
            Map<String, Integer> weights = new LinkedHashMap<>();
            for (int j = 0; j < rule.backendRefs().size(); j++) {
                HttpRoute.BackendRef b = rule.backendRefs().get(j);
                String field = "spec.rules[" + i + "].backendRefs[" + j + "]";
                String ns = b.namespace() == null ? routeNs : b.namespace();
                String bad = null;
                String message = null;
                String badField = field;
                if (!b.isService()) {
                    bad = "InvalidKind";
                    message = "backendRef kind " + (b.group().isEmpty() ? "" : b.group() + "/") + b.kind()
                            + " is not supported: only core Service";
                    badField = field + ".kind";
                } else if (!ns.equals(routeNs) && !index.granted(routeNs, ns, b.name())) {
                    bad = "RefNotPermitted";
                    message = "Service " + ns + "/" + b.name() + " is in another namespace and no ReferenceGrant in "
                            + ns + " allows HTTPRoutes from " + routeNs + " to refer to it";
                    badField = field + ".namespace";
                } else {
                    Service s = index.service(ns, b.name());
                    if (s == null) {
                        bad = "BackendNotFound";
                        message = "Service " + ns + "/" + b.name() + " not found";
                    } else if (b.port() == null || s.port(b.port()) == null) {
                        bad = "BackendNotFound";
                        message = "Service " + ns + "/" + b.name() + " has no port " + b.port() + " (it has "
                                + String.join(", ", s.ports().stream().map(p -> Integer.toString(p.port())).toList()) + ")";
                        badField = field + ".port";
                    } else if (!clusterExists.test(clusterName(ns, b.name(), b.port()))) {
                        bad = "BackendNotFound";
                        message = "Service " + ns + "/" + b.name() + " port " + b.port() + " is not TCP";
                        badField = field + ".port";
                    }
                }
                String cluster;
                if (bad != null) {
                    if (reason == null) {
                        reason = bad;
                        reasonMessage = "spec.rules[" + i + "].backendRefs[" + j + "]: " + message;
                    }
                    problems.add(Lines.problem(resource, badField, message));
                    cluster = INVALID_PREFIX + bad;
                } else {
                    cluster = clusterName(ns, b.name(), b.port());
                }
                if (b.weight() > 0) weights.merge(cluster, b.weight(), Integer::sum);
            }
            if (weights.isEmpty()) {
                String body = rule.backendRefs().isEmpty() ? "route rule has no backendRefs" : "every backendRef of the route rule has weight 0";
                actions.add(new Ir.DirectResponse(500, body));
            } else {
                List<Ir.WeightedCluster> ws = new ArrayList<>();
                weights.forEach((name, w) -> ws.add(new Ir.WeightedCluster(name, w)));
                actions.add(new Ir.Forward(ws, weights.keySet().stream().anyMatch(n -> n.startsWith(INVALID_PREFIX))));
            }
        }
        return new ResolvedRoute(route, resource, actions, reason, reasonMessage);
    }
}
