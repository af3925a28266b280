package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Gateway;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.Hostnames;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.MeshObject;
import dev.lattice.model.ObjectMeta;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Service;
import dev.lattice.model.TcpRoute;
import dev.lattice.model.TlsRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * TLSRoutes and TCPRoutes: attachment to TLS listeners (Passthrough or Terminate) and TCP listeners, their backends as
 * weighted clusters, and their status (as HTTPRoute's: Accepted, ResolvedRefs). Each TLSRoute attachment becomes a
 * tcp_proxy filter chain matched by the SNI names of the route hostnames intersected with the listener hostname; a TCP
 * listener's port gets one default tcp_proxy chain, the oldest attached TCPRoute's (creationTimestamp, then
 * namespace/name): the others are Accepted and counted in attachedRoutes but serve nothing, as upstream's
 * tcproute-multiple-routes-attachment expects.
 */
final class TlsRoutes {
    /**
     * A TLSRoute or TCPRoute attached to one listener: the SNI names it serves there (empty: any) and its weighted
     * clusters.
     */
    record Attachment(MeshObject route, int listener, List<String> serverNames, List<Ir.WeightedCluster> clusters) {
        Attachment {
            serverNames = List.copyOf(serverNames);
            clusters = List.copyOf(clusters);
        }
    }

    private final MeshIndex index;
    private final Predicate<String> clusterExists;
    private final List<Problem> problems;
    private final Map<ResourceKey, List<Attachment>> attachments = new HashMap<>();

    TlsRoutes(MeshIndex index, Predicate<String> clusterExists, List<Problem> problems) {
        this.index = index;
        this.clusterExists = clusterExists;
        this.problems = problems;
    }

    List<Attachment> attachments(ResourceKey gateway) {
        return attachments.getOrDefault(gateway, List.of());
    }

    /** The fields of a TLSRoute or a TCPRoute that attachment reads; {@code hostnames} null for a TCPRoute. */
    private record View(MeshObject obj, String kind, List<HttpRoute.ParentRef> parentRefs, List<String> hostnames,
                        List<TlsRoute.Rule> rules) {
        ObjectMeta meta() {
            return obj.meta();
        }
    }

    /** Attaches every TLSRoute, then every TCPRoute oldest first, counting attachedRoutes, and puts each route's status. */
    void attachAll(Map<ResourceKey, List<ListenerInfo>> listenerInfos, Map<ResourceKey, int[]> counts,
                   Map<ResourceKey, ObjectNode> statuses, BiFunction<HttpRoute.ParentRef, String, ParentTarget> resolver) {
        for (TlsRoute r : index.tlsRoutes) {
            attach(new View(r, TlsRoute.KIND, r.parentRefs(), r.hostnames(), r.rules()), listenerInfos, counts, statuses, resolver);
        }
        List<TcpRoute> tcp = new ArrayList<>(index.tcpRoutes);
        tcp.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        for (TcpRoute r : tcp) {
            attach(new View(r, TcpRoute.KIND, r.parentRefs(), null, r.rules()), listenerInfos, counts, statuses, resolver);
        }
    }

    private void attach(View r, Map<ResourceKey, List<ListenerInfo>> listenerInfos, Map<ResourceKey, int[]> counts,
                        Map<ResourceKey, ObjectNode> statuses, BiFunction<HttpRoute.ParentRef, String, ParentTarget> resolver) {
        Resource res = index.resource(r.obj());
        long gen = r.meta().generation();
        String routeNs = r.meta().namespace();
        String[] refOutcome = new String[2];
        List<Ir.WeightedCluster> clusters = backends(r, res, refOutcome);
        ArrayNode parents = Status.JSON.arrayNode();
        for (int k = 0; k < r.parentRefs().size(); k++) {
            HttpRoute.ParentRef ref = r.parentRefs().get(k);
            ParentTarget target = resolver.apply(ref, routeNs);
            if (target == null) continue; // not a Gateway or ListenerSet, or another controller's
            String[] outcome = !target.found() ? new String[] {target.reason(), target.message()}
                    : attachToGateway(r, target, ref, listenerInfos.get(target.gateway().key()),
                            counts.get(target.gateway().key()), clusters);
            boolean accepted = outcome[0].equals("Accepted");
            if (!accepted) problems.add(Lines.problem(res, "spec.parentRefs[" + k + "]", outcome[1] + " (" + outcome[0] + ")"));
            ObjectNode parent = Status.JSON.objectNode();
            parent.set("parentRef", Status.parentRef(ref));
            parent.put("controllerName", GatewayClass.LATTICE_CONTROLLER);
            ObjectNode resolved = refOutcome[0] == null
                    ? Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen)
                    : Status.condition("ResolvedRefs", false, refOutcome[0], refOutcome[1], gen);
            parent.set("conditions", Status.array(Status.condition("Accepted", accepted, outcome[0], outcome[1], gen), resolved));
            parents.add(parent);
        }
        if (!parents.isEmpty()) {
            ObjectNode st = Status.JSON.objectNode();
            st.set("parents", parents);
            statuses.put(r.obj().key(), st);
        }
    }

    private String[] attachToGateway(View r, ParentTarget target, HttpRoute.ParentRef ref, List<ListenerInfo> infos,
                                     int[] counts, List<Ir.WeightedCluster> clusters) {
        Gateway g = target.gateway();
        String gw = target.label();
        List<ListenerInfo> candidates = infos.stream().filter(i -> i.selectedBy(ref, r.meta().namespace(), g)).toList();
        if (candidates.isEmpty()) return new String[] {"NoMatchingParent", gw + " has no listener that the parentRef selects"};
        // a listener whose certificate refs do not resolve still counts its routes (attachedRoutes), it serves none:
        // only programmed listeners get chains (MeshIrBuilder.gatewayProxy)
        List<ListenerInfo> valid = candidates.stream().filter(i -> i.accepted() && !i.conflicted()).toList();
        if (valid.isEmpty()) {
            return new String[] {"NoMatchingParent", gw + " has no valid listener among those the parentRef selects"};
        }
        String routeNs = r.meta().namespace();
        List<ListenerInfo> allowed = valid.stream()
                .filter(i -> i.allows(HttpRoute.GROUP, r.kind()) && i.allowsRoutesFrom(routeNs, index))
                .toList();
        if (allowed.isEmpty()) {
            return new String[] {"NotAllowedByListeners", "No listener of " + gw + " allows " + r.kind() + "s from namespace " + routeNs};
        }
        boolean any = false;
        for (ListenerInfo i : allowed) {
            String lh = i.listener().hostname();
            List<String> names = new ArrayList<>();
            if (r.hostnames() == null) {
                // a TCPRoute: no SNI, the listener's one default chain (GatewayPortChains keeps the first attachment's)
            } else if (r.hostnames().isEmpty()) {
                if (lh != null) names.add(lh);
            } else {
                for (String h : r.hostnames()) {
                    String x = Hostnames.intersect(lh, h);
                    if (x != null && !names.contains(x)) names.add(x);
                }
                if (names.isEmpty()) continue;
            }
            any = true;
            counts[i.index()]++; // upstream's tlsroute-invalid-no-matching-listener-hostname: no shared hostname, not attached
            attachments.computeIfAbsent(g.key(), x -> new ArrayList<>()).add(new Attachment(r.obj(), i.index(), names, clusters));
        }
        if (!any) return new String[] {"NoMatchingListenerHostname", "No hostname of the route matches a listener hostname of " + gw};
        return new String[] {"Accepted", "Route is accepted by " + gw};
    }

    /**
     * Every rule's backendRefs as weighted clusters (weight 0 left out); an invalid one is a cluster
     * {@code lattice.invalid/<reason>} (its share of connections is closed). outcome gets the first ResolvedRefs failure.
     */
    private List<Ir.WeightedCluster> backends(View r, Resource res, String[] outcome) {
        String routeNs = r.meta().namespace();
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (int i = 0; i < r.rules().size(); i++) {
            List<HttpRoute.BackendRef> refs = r.rules().get(i).backendRefs();
            for (int j = 0; j < refs.size(); j++) {
                HttpRoute.BackendRef b = refs.get(j);
                String field = "spec.rules[" + i + "].backendRefs[" + j + "]";
                String ns = b.namespace() == null ? routeNs : b.namespace();
                String reason = null;
                String message = null;
                Service s = index.service(ns, b.name());
                if (!b.isService()) {
                    reason = "InvalidKind";
                    message = "backendRef kind " + (b.group().isEmpty() ? "" : b.group() + "/") + b.kind()
                            + " is not supported: only core Service";
                } else if (!ns.equals(routeNs) && !index.granted(HttpRoute.GROUP, r.kind(), routeNs, "", Service.KIND, ns, b.name())) {
                    reason = "RefNotPermitted";
                    message = "backendRef to Service " + ns + "/" + b.name() + " is not permitted: no ReferenceGrant in namespace "
                            + ns + " allows " + r.kind() + "s from " + routeNs;
                } else if (s == null) {
                    reason = "BackendNotFound";
                    message = "Service " + ns + "/" + b.name() + " not found";
                } else if (b.port() == null || s.port(b.port()) == null
                        || !clusterExists.test(RouteResolution.clusterName(ns, b.name(), b.port()))) {
                    reason = "BackendNotFound";
                    message = "Service " + ns + "/" + b.name() + " has no TCP port " + b.port();
                }
                if (reason != null) {
                    problems.add(Lines.problem(res, field, message + " (" + reason + ")"));
                    if (outcome[0] == null) {
                        outcome[0] = reason;
                        outcome[1] = message;
                    }
                }
                if (b.weight() == 0) continue;
                String name = reason != null ? RouteResolution.INVALID_PREFIX + reason : RouteResolution.clusterName(ns, b.name(), b.port());
                weights.merge(name, b.weight(), Integer::sum);
            }
        }
        if (weights.isEmpty()) weights.put(RouteResolution.INVALID_PREFIX + "NoBackends", 1);
        List<Ir.WeightedCluster> out = new ArrayList<>();
        weights.forEach((n, w) -> out.add(new Ir.WeightedCluster(n, w)));
        return out;
    }
}
