package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.RequestValidationPolicy;
import dev.lattice.model.Gateway;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.GrpcRoute;
import dev.lattice.model.Hostnames;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.ListenerSet;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Service;
import dev.lattice.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the IR of every proxy of a snapshot, the status of every Gateway API resource, and the problems found
 * on the way. Pure; one instance per translation.
 */
final class MeshIrBuilder {
    static final String LB_ANNOTATION = "lattice.dev/load-balancer";
    private static final String CONTROLLER = GatewayClass.LATTICE_CONTROLLER;

    record Result(Map<ProxyId, Ir.Proxy> proxies, Map<ResourceKey, ObjectNode> statuses, List<Problem> problems,
                  Map<ResourceKey, dev.lattice.control.ValidationSchema> validationSchemas) {}

    /** A route attached to one Gateway listener with the hostnames it serves there (null: any host). */
    private record Attachment(RouteResolution.ResolvedRoute route, int listener, List<String> hostnames) {}

    /** A GAMMA route attached to a Service, all its ports (port null) or one. */
    private record MeshAttachment(RouteResolution.ResolvedRoute route, Service service, Integer port) {}

    private final MeshSnapshot snapshot;
    private final RoutePolicies<dev.lattice.model.RateLimitPolicy> rateLimits;
    private final String rateLimitRedis;
    private final RequestValidations validations;
    private final MeshIndex index;
    private final List<Problem> problems = new ArrayList<>();
    private final Map<ResourceKey, ObjectNode> statuses = new HashMap<>();
    private final Map<String, Ir.Cluster> clusters = new TreeMap<>();
    private final Map<ResourceKey, List<Attachment>> gatewayAttachments = new HashMap<>();
    private final Map<ResourceKey, int[]> attachedRoutes = new HashMap<>();
    private final List<MeshAttachment> meshAttachments = new ArrayList<>();
    /** Gateways rejected as a whole (Accepted=False): reason and message. */
    private record Rejection(String reason, String message) {}

    private final Map<ResourceKey, Rejection> rejectedGateways = new HashMap<>();
    /** The ListenerSets each Lattice Gateway takes (allowed by its allowedListeners), in precedence order. */
    private final Map<ResourceKey, List<ListenerSet>> attachedSets = new HashMap<>();
    /** ListenerSets that no Gateway takes: why (their Accepted reason and message). */
    private final Map<ResourceKey, Rejection> rejectedSets = new HashMap<>();
    /** What each Lattice Gateway's spec.addresses come to ({@link GatewayAddresses}). */
    private final Map<ResourceKey, GatewayAddresses.Plan> addressPlans = new HashMap<>();
    /** Each Lattice Gateway's spec.tls.backend.clientCertificateRef resolved (only Gateways that have one). */
    private final Map<ResourceKey, Secrets.Resolution> clientCertificates = new HashMap<>();
    private final TlsRoutes tlsRoutes;
    private final BackendTls backendTls;
    private final MtlsModes mtls;
    private final Authorizations authz;
    private final RoutePolicies<dev.lattice.model.JwtPolicy> jwtPolicies;
    private final ClientTraffics clientTraffic;

    MeshIrBuilder(MeshSnapshot snapshot) {
        this.snapshot = snapshot;
        this.index = new MeshIndex(snapshot.resources());
        this.mtls = new MtlsModes(index, snapshot.trust(), snapshot.rejected());
        this.authz = new Authorizations(index, snapshot.trust(), snapshot.rejected());
        this.rateLimits = RateLimits.policies(index, snapshot.rejected());
        this.rateLimitRedis = RateLimits.redis(index);
        RateLimits.checkRedis(index, rateLimitRedis, problems);
        this.validations = new RequestValidations(index, snapshot.rejected(), problems, snapshot.lastGoodSchemas());
        this.jwtPolicies = new RoutePolicies<>(index, dev.lattice.model.JwtPolicy.KIND, index.jwtPolicies,
                dev.lattice.model.JwtPolicy::meta, dev.lattice.model.JwtPolicy::targetRefs, snapshot.rejected());
        this.clientTraffic = new ClientTraffics(index, snapshot.rejected());
        this.tlsRoutes = new TlsRoutes(index, clusters::containsKey, problems);
        this.backendTls = new BackendTls(index, problems);
    }

    Result build() {
        for (GatewayClass c : index.classes.values()) {
            if (!c.isLattice()) continue;
            ObjectNode st = Status.JSON.objectNode();
            st.set("conditions", Status.array(Status.condition("Accepted", true, "Accepted",
                    "Handled by " + CONTROLLER, c.meta().generation())));
            st.set("supportedFeatures", SupportedFeatures.status());
            statuses.put(c.key(), st);
        }
        buildServiceClusters();
        JwtIr.problems(index, snapshot, problems);
        for (Gateway g : index.gateways) {
            if (!index.classes.containsKey(g.gatewayClassName())) {
                problems.add(Lines.problem(index.resource(g), "spec.gatewayClassName",
                        "GatewayClass \"" + g.gatewayClassName() + "\" not found"));
            }
            if (index.isLatticeGateway(g)) gatewayAttachments.put(g.key(), new ArrayList<>());
        }
        Map<ResourceKey, List<ListenerInfo>> listenerInfos = new HashMap<>();
        for (Gateway g : index.gateways) {
            if (!index.isLatticeGateway(g)) continue;
            // a rejected Gateway (invalid parametersRef, unsupported address) has no listeners: nothing attaches or is served
            GatewayAddresses.Plan plan = GatewayAddresses.plan(index.resource(g));
            addressPlans.put(g.key(), plan);
            String invalid = invalidParameters(g);
            if (invalid != null) {
                rejectedGateways.put(g.key(), new Rejection("InvalidParameters", invalid));
            } else if (plan.unsupported() != null) {
                rejectedGateways.put(g.key(), new Rejection("UnsupportedAddress", plan.unsupported()));
                problems.add(Lines.problem(index.resource(g), "spec.addresses", plan.unsupported() + " (UnsupportedAddress)"));
            } else if (plan.notUsable() != null) {
                problems.add(Lines.problem(index.resource(g), "spec.addresses", plan.notUsable() + " (AddressNotUsable)"));
            }
        }
        attachListenerSets();
        for (Gateway g : index.gateways) {
            if (!index.isLatticeGateway(g)) continue;
            List<ListenerInfo> infos = rejectedGateways.containsKey(g.key()) ? List.of()
                    : GatewayListeners.infos(g, attachedSets.getOrDefault(g.key(), List.of()), index, problems);
            listenerInfos.put(g.key(), infos);
            attachedRoutes.put(g.key(), new int[infos.size()]);
            if (g.backendClientCertificate() != null) {
                Secrets.Resolution r = Secrets.resolveClientCertificate(g, g.backendClientCertificate(), index);
                clientCertificates.put(g.key(), r);
                if (!r.resolved()) {
                    problems.add(Lines.problem(index.resource(g), "spec.tls.backend.clientCertificateRef",
                            r.message() + " (" + r.reason() + ")"));
                }
            }
        }
        for (HttpRoute r : index.routes) attachRoute(r, null, index.resource(r), listenerInfos);
        for (GrpcRoute r : index.grpcRoutes) attachRoute(GrpcRoutes.toHttp(r), r, index.resource(r), listenerInfos);
        tlsRoutes.attachAll(listenerInfos, attachedRoutes, statuses, this::parent);
        reportSharedPorts(listenerInfos);

        Map<ProxyId, Ir.Proxy> proxies = new LinkedHashMap<>();
        for (Gateway g : index.gateways) {
            if (!index.isLatticeGateway(g)) continue;
            List<ListenerInfo> infos = listenerInfos.get(g.key());
            int acceptedSets = 0;
            for (ListenerSet set : attachedSets.getOrDefault(g.key(), List.of())) {
                List<ListenerInfo> own = infos.stream().filter(i -> i.set() == set).toList();
                ObjectNode st = GatewayListeners.listenerSetStatus(set, own, attachedRoutes.get(g.key()));
                statuses.put(set.key(), st);
                if (own.stream().anyMatch(ListenerInfo::programmed)) {
                    acceptedSets++;
                } else {
                    problems.add(Lines.problem(index.resource(set), "spec.listeners", "no listener of the ListenerSet is valid "
                            + "(ListenersNotValid)"));
                }
            }
            statuses.put(g.key(), gatewayStatus(g, infos, acceptedSets));
            ProxyId id = new ProxyId(ProxyId.Role.GATEWAY, g.meta().namespace(), g.meta().name());
            proxies.put(id, gatewayProxy(id, g, infos));
        }
        for (Workload w : index.workloads) {
            if (!w.sidecar().inject()) continue;
            ProxyId id = new ProxyId(ProxyId.Role.SIDECAR, w.meta().namespace(), w.meta().name());
            proxies.put(id, sidecarProxy(id, w));
        }
        backendTls.statuses(proxies, statuses);
        new PolicyStatuses(index, snapshot).routeConflicts(jwtPolicies.conflicted()).routeConflicts(rateLimits.conflicted())
                .clientTrafficConflicts(clientTraffic.conflicted()).put(statuses);
        validations.statuses(statuses, rejectedKeys(RequestValidationPolicy.KIND));
        return new Result(proxies, statuses, problems, validations.served());
    }

    // ---------------------------------------------------------------- services

    private void buildServiceClusters() {
        for (Service s : index.services.values()) {
            Ir.LbPolicy lb = lbPolicy(s);
            for (Service.Port p : s.ports()) {
                if (!p.protocol().equals("TCP")) continue;
                String name = RouteResolution.clusterName(s.meta().namespace(), s.meta().name(), p.port());
                // a BackendTLSPolicy: TLS to the endpoints; one that cannot be used leaves the cluster without endpoints
                BackendTls.Applied tls = backendTls.forPort(s, p);
                // (TLS goes straight to the app: a sidecar's inbound listener speaks plain HTTP)
                List<Ir.Endpoint> eps = tls != null && tls.broken() ? List.of() : endpoints(s, p, tls != null);
                Ir.UpstreamTls upstreamTls = tls == null ? null : tls.tls();
                clusters.put(name, new Ir.Cluster(name, lb, p.h2c(), eps, upstreamTls));
                if (!p.h2c()) {
                    clusters.put(name + GrpcRoutes.H2C_SUFFIX, new Ir.Cluster(name + GrpcRoutes.H2C_SUFFIX, lb, true, eps, upstreamTls));
                }
            }
        }
    }

    private Ir.LbPolicy lbPolicy(Service s) {
        String v = s.meta().annotations().get(LB_ANNOTATION);
        if (v == null || v.equals("least-request")) return Ir.LbPolicy.LEAST_REQUEST;
        if (v.equals("round-robin")) return Ir.LbPolicy.ROUND_ROBIN;
        problems.add(Lines.problem(index.resource(s), "metadata.annotations[" + LB_ANNOTATION + "]",
                "must be round-robin or least-request, not \"" + v + "\"; using least-request"));
        return Ir.LbPolicy.LEAST_REQUEST;
    }

    private List<Workload> selected(Service s) {
        if (s.selector().isEmpty()) return List.of();
        List<Workload> out = new ArrayList<>();
        for (Workload w : index.workloads) {
            if (s.selects(w)) out.add(w);
        }
        return out;
    }

    /** {@code direct}: to the Workloads' app ports even when they have a sidecar. */
    private List<Ir.Endpoint> endpoints(Service s, Service.Port p, boolean direct) {
        List<Ir.Endpoint> out = new ArrayList<>();
        if (s.selector().isEmpty()) {
            // no selector: the endpoints written by hand in EndpointSlices, as on Kubernetes (straight to the address)
            List<dev.lattice.model.EndpointSlice> slices = index.endpointSlices.getOrDefault(
                    s.meta().namespace() + "/" + s.meta().name(), List.of());
            for (dev.lattice.model.EndpointSlice slice : slices.stream()
                    .sorted(Comparator.comparing((dev.lattice.model.EndpointSlice e) -> e.meta().name())).toList()) {
                dev.lattice.model.EndpointSlice.Port sp = slice.port(p.name());
                if (sp == null || !sp.protocol().equals("TCP")) continue;
                for (dev.lattice.model.EndpointSlice.Endpoint e : slice.endpoints()) {
                    if (!e.ready()) continue;
                    for (String a : e.addresses()) {
                        Ir.Endpoint ep = new Ir.Endpoint(a, sp.port());
                        if (!out.contains(ep)) out.add(ep);
                    }
                }
            }
            return out;
        }
        for (Workload w : selected(s)) {
            Integer app = p.targetOn(w);
            if (app == null) continue;
            if (!w.sidecar().inject() || direct) {
                out.add(new Ir.Endpoint(w.address(), app));
                continue;
            }
            ProxyPorts pp = snapshot.ports().get(new ProxyId(ProxyId.Role.SIDECAR, w.meta().namespace(), w.meta().name()));
            Integer inbound = pp == null ? null : pp.inbound().get(app);
            // the mesh hop: mTLS to the sidecar unless its mode is DISABLE
            if (inbound != null) out.add(new Ir.Endpoint(w.address(), inbound, mtls.meshIdentity(w)));
        }
        return out;
    }

    // ---------------------------------------------------------------- gateways and attachment

    /**
     * Which Gateway takes each ListenerSet: its spec.parentRef, a Lattice Gateway that is accepted and whose
     * spec.allowedListeners admits the ListenerSet's namespace. The others get Accepted=False (NotAllowed,
     * ParentNotAccepted) now; those taken get their status once their listeners are known.
     */
    private void attachListenerSets() {
        for (ListenerSet set : index.listenerSets) {
            ListenerSet.ParentGateway p = set.parentRef();
            Gateway g = index.gateway(p.namespace(), p.name());
            if (g != null && !index.isLatticeGateway(g)) continue; // another controller's Gateway
            String gw = "Gateway " + p.namespace() + "/" + p.name();
            Rejection why = null;
            if (g == null) {
                why = new Rejection("ParentNotAccepted", gw + " not found");
            } else if (rejectedGateways.containsKey(g.key())) {
                why = new Rejection("ParentNotAccepted", gw + " is not accepted: " + rejectedGateways.get(g.key()).message());
            } else if (!index.namespaceSelected(g.allowedListeners().from(), g.allowedListeners().selector(),
                    g.meta().namespace(), set.meta().namespace())) {
                why = new Rejection("NotAllowed", gw + " does not allow ListenerSets from namespace " + set.meta().namespace()
                        + " (its spec.allowedListeners.namespaces.from is " + g.allowedListeners().from() + ")");
            }
            if (why != null) {
                rejectedSets.put(set.key(), why);
                statuses.put(set.key(), GatewayListeners.listenerSetRejected(set, why.reason(), why.message()));
                problems.add(Lines.problem(index.resource(set), "spec.parentRef", why.message() + " (" + why.reason() + ")"));
            } else {
                attachedSets.computeIfAbsent(g.key(), k -> new ArrayList<>()).add(set);
            }
        }
    }

    /**
     * A route's parentRef to a Gateway or a ListenerSet resolved (the route in {@code routeNs}); null when it is
     * neither, or its Gateway is another controller's (Lattice writes no status for it).
     */
    ParentTarget parent(HttpRoute.ParentRef ref, String routeNs) {
        String ns = ref.namespace() == null ? routeNs : ref.namespace();
        if (ref.isGateway()) {
            Gateway g = index.gateway(ns, ref.name());
            if (g != null && !index.isLatticeGateway(g)) return null;
            String label = "Gateway " + ns + "/" + ref.name();
            if (g == null) return ParentTarget.failed(null, label, "NoMatchingParent", label + " not found");
            Rejection r = rejectedGateways.get(g.key());
            if (r != null) return ParentTarget.failed(g, label, "NoMatchingParent", label + " is not accepted: " + r.message());
            return ParentTarget.of(g, label);
        }
        if (ref.isListenerSet()) {
            String label = "ListenerSet " + ns + "/" + ref.name();
            ListenerSet set = index.listenerSet(ns, ref.name());
            if (set == null) return ParentTarget.failed(null, label, "NoMatchingParent", label + " not found");
            Gateway g = index.gateway(set.parentRef().namespace(), set.parentRef().name());
            if (g != null && !index.isLatticeGateway(g)) return null;
            Rejection r = rejectedSets.get(set.key());
            if (r != null) return ParentTarget.failed(g, label, "NoMatchingParent", label + " is not accepted: " + r.message());
            return ParentTarget.of(g, label);
        }
        return null;
    }

    /** Off Kubernetes every gateway binds on one machine: two Gateways on one port cannot both listen. */
    private void reportSharedPorts(Map<ResourceKey, List<ListenerInfo>> listenerInfos) {
        Map<Integer, Gateway> first = new HashMap<>();
        for (Gateway g : index.gateways) {
            List<ListenerInfo> infos = listenerInfos.get(g.key());
            if (infos == null) continue;
            Set<Integer> reported = new HashSet<>();
            for (ListenerInfo i : infos) {
                if (!i.programmed()) continue;
                Gateway owner = first.putIfAbsent(i.listener().port(), g);
                if (owner != null && owner != g && reported.add(i.listener().port())) {
                    problems.add(Lines.problem(index.resource(i.set() == null ? g : i.set()), i.field() + ".port",
                            "port " + i.listener().port() + " is also a listener port of Gateway " + owner.meta().namespace()
                                    + "/" + owner.meta().name() + "; on one machine only one of them can listen on it"));
                }
            }
        }
    }

    /** Attaches an HTTPRoute, or the HTTPRoute-shaped view of a GRPCRoute {@code grpc} (whose resource is {@code res}). */
    private void attachRoute(HttpRoute r, GrpcRoute grpc, Resource res, Map<ResourceKey, List<ListenerInfo>> listenerInfos) {
        RouteResolution.ResolvedRoute resolved = RouteResolution.resolve(r, grpc, res, index, clusters::containsKey, problems);
        ArrayNode parents = Status.JSON.arrayNode();
        long gen = r.meta().generation();
        String routeNs = r.meta().namespace();
        for (int k = 0; k < r.parentRefs().size(); k++) {
            HttpRoute.ParentRef ref = r.parentRefs().get(k);
            String field = "spec.parentRefs[" + k + "]";
            String ns = ref.namespace() == null ? routeNs : ref.namespace();
            String reason;
            String message;
            if (ref.isGateway() || ref.isListenerSet()) {
                ParentTarget target = parent(ref, routeNs);
                if (target == null) continue; // another controller's Gateway
                if (!target.found()) {
                    reason = target.reason();
                    message = target.message();
                } else if (resolved.rejectReason() != null) {
                    reason = resolved.rejectReason();
                    message = resolved.rejectMessage();
                } else {
                    String[] outcome = attachToGateway(resolved, target, ref, listenerInfos.get(target.gateway().key()));
                    reason = outcome[0];
                    message = outcome[1];
                }
            } else if (ref.isService()) {
                Service s = index.service(ns, ref.name());
                if (s == null) {
                    reason = "NoMatchingParent";
                    message = "Service " + ns + "/" + ref.name() + " not found";
                } else if (ref.port() != null && s.port(ref.port()) == null) {
                    reason = "NoMatchingParent";
                    message = "Service " + ns + "/" + ref.name() + " has no port " + ref.port();
                } else if (ref.sectionName() != null && s.ports().stream().noneMatch(p -> p.name().equals(ref.sectionName()))) {
                    reason = "NoMatchingParent";
                    message = "Service " + ns + "/" + ref.name() + " has no port named " + ref.sectionName();
                } else if (resolved.rejectReason() != null) {
                    reason = resolved.rejectReason();
                    message = resolved.rejectMessage();
                } else if (grpc == null && GrpcRoutes.meshConflict(index, s, ref) != null) {
                    GrpcRoute winner = GrpcRoutes.meshConflict(index, s, ref);
                    reason = "Conflicted";
                    message = "GRPCRoute " + winner.meta().namespace() + "/" + winner.meta().name() + " also attaches to Service "
                            + ns + "/" + ref.name() + "; a GRPCRoute takes precedence over an HTTPRoute (GEP-1426)";
                } else {
                    Integer port = ref.port();
                    if (port == null && ref.sectionName() != null) {
                        port = s.ports().stream().filter(p -> p.name().equals(ref.sectionName())).findFirst().orElseThrow().port();
                    }
                    meshAttachments.add(new MeshAttachment(resolved, s, port));
                    reason = "Accepted";
                    message = ns.equals(routeNs)
                            ? "Route applies to every client of Service " + ns + "/" + ref.name()
                            : "Route applies to clients in namespace " + routeNs + " of Service " + ns + "/" + ref.name();
                }
            } else {
                continue; // a parent kind that Lattice does not handle
            }
            boolean accepted = reason.equals("Accepted");
            if (!accepted && resolved.rejectReason() == null) problems.add(Lines.problem(res, field, message + " (" + reason + ")"));
            ObjectNode parent = Status.JSON.objectNode();
            parent.set("parentRef", Status.parentRef(ref));
            parent.put("controllerName", CONTROLLER);
            ObjectNode resolvedRefs = resolved.refReason() == null
                    ? Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen)
                    : Status.condition("ResolvedRefs", false, resolved.refReason(), resolved.refMessage(), gen);
            parent.set("conditions", Status.array(Status.condition("Accepted", accepted, reason, message, gen), resolvedRefs));
            parents.add(parent);
        }
        if (!parents.isEmpty()) {
            ObjectNode st = Status.JSON.objectNode();
            st.set("parents", parents);
            statuses.put(res.key(), st);
        }
    }

    /**
     * Attaches to the listeners the parentRef selects among those of the Gateway's proxy ({@code infos}): the
     * Gateway's own, or one ListenerSet's. Returns {reason, message} of the Accepted condition.
     */
    private String[] attachToGateway(RouteResolution.ResolvedRoute resolved, ParentTarget target, HttpRoute.ParentRef ref,
                                     List<ListenerInfo> infos) {
        HttpRoute r = resolved.route();
        Gateway g = target.gateway();
        String gw = target.label();
        List<ListenerInfo> candidates = infos.stream().filter(i -> i.selectedBy(ref, r.meta().namespace(), g)).toList();
        if (candidates.isEmpty()) {
            String what = ref.sectionName() != null && ref.port() != null
                    ? "named " + ref.sectionName() + " on port " + ref.port()
                    : ref.sectionName() != null ? "named " + ref.sectionName()
                    : ref.port() != null ? "on port " + ref.port() : "at all";
            return new String[] {"NoMatchingParent", gw + " has no listener " + what};
        }
        // a listener whose certificate refs do not resolve still counts its routes (attachedRoutes), it serves none
        List<ListenerInfo> programmed = candidates.stream().filter(i -> i.accepted() && !i.conflicted()).toList();
        if (programmed.isEmpty()) {
            return new String[] {"NoMatchingParent", gw + " has no valid HTTP listener among those the parentRef selects"};
        }
        List<ListenerInfo> allowed = programmed.stream()
                .filter(i -> i.allows(HttpRoute.GROUP, resolved.resource().kind())
                        && i.allowsRoutesFrom(r.meta().namespace(), index))
                .toList();
        if (allowed.isEmpty()) {
            return new String[] {"NotAllowedByListeners", "No listener of " + gw + " allows " + resolved.resource().kind()
                    + "s from namespace " + r.meta().namespace()};
        }
        boolean any = false;
        String conflict = null;
        int[] counts = attachedRoutes.get(g.key());
        for (ListenerInfo i : allowed) {
            List<String> hosts = listenerHosts(i.listener().hostname(), r.hostnames());
            String winner = hosts.isEmpty() ? null : otherKindWinner(resolved, g, i, hosts);
            if (winner != null) {
                conflict = winner + " shares a hostname with this route on listener " + i.listener().name() + " of " + gw
                        + ", and an HTTPRoute and a GRPCRoute may not share one: the older route is accepted";
                continue;
            }
            if (!hosts.isEmpty()) {
                any = true;
                counts[i.index()]++; // attachedRoutes: routes the listener accepts (a hostname in common)
                gatewayAttachments.get(g.key()).add(new Attachment(resolved, i.index(), hosts));
            }
        }
        if (!any && conflict != null) {
            return new String[] {"Conflicted", conflict};
        }
        if (!any) {
            return new String[] {"NoMatchingListenerHostname", "No hostname of the route matches a listener hostname of " + gw};
        }
        return new String[] {"Accepted", "Route is accepted by " + gw};
    }

    /** The GRPCRoutes as HTTPRoutes (parentRefs, hostnames), made once when a hostname conflict is first looked for. */
    private List<HttpRoute> grpcAsHttp;

    /** The route's hostnames on a listener ({@code lh}, null: any): their intersections, or lh when it has none. */
    private static List<String> listenerHosts(String lh, List<String> routeHostnames) {
        List<String> hosts = new ArrayList<>();
        if (routeHostnames.isEmpty()) {
            hosts.add(lh);
        } else {
            for (String h : routeHostnames) {
                String x = Hostnames.intersect(lh, h);
                if (x != null && !hosts.contains(x)) hosts.add(x);
            }
        }
        return hosts;
    }

    /**
     * The older route of the other kind (a GRPCRoute for an HTTPRoute, and the reverse) that attaches to listener
     * {@code i} with a hostname in common with {@code hosts}, as "Kind ns/name"; null when there is none. The spec
     * (GRPCRoute hostnames) accepts exactly one of the two on that listener: the oldest, then by "namespace/name".
     */
    private String otherKindWinner(RouteResolution.ResolvedRoute resolved, Gateway g, ListenerInfo i, List<String> hosts) {
        boolean grpc = resolved.grpc() != null;
        String otherKind = grpc ? HttpRoute.KIND : GrpcRoute.KIND;
        if (!i.allows(HttpRoute.GROUP, otherKind)) return null;
        dev.lattice.model.ObjectMeta me = resolved.route().meta();
        if (grpcAsHttp == null) grpcAsHttp = index.grpcRoutes.stream().map(GrpcRoutes::toHttp).toList();
        for (HttpRoute o : grpc ? index.routes : grpcAsHttp) {
            dev.lattice.model.ObjectMeta meta = o.meta();
            if (!Precedence.older(meta, me) || !i.allowsRoutesFrom(meta.namespace(), index)) continue;
            boolean attaches = o.parentRefs().stream().anyMatch(p -> i.selectedBy(p, meta.namespace(), g));
            if (!attaches) continue;
            for (String a : hosts) {
                for (String b : listenerHosts(i.listener().hostname(), o.hostnames())) {
                    if (a == null || b == null || Hostnames.intersect(a, b) != null) {
                        return otherKind + " " + meta.namespace() + "/" + meta.name();
                    }
                }
            }
        }
        return null;
    }

    private ObjectNode gatewayStatus(Gateway g, List<ListenerInfo> infos, int acceptedSets) {
        ObjectNode st = GatewayListeners.status(g, infos, attachedRoutes.get(g.key()), acceptedSets);
        Rejection rejected = rejectedGateways.get(g.key());
        GatewayAddresses.Plan plan = addressPlans.get(g.key());
        long gen = g.meta().generation();
        if (rejected != null) {
            st.set("conditions", Status.array(Status.condition("Accepted", false, rejected.reason(), rejected.message(), gen),
                    Status.condition("Programmed", false, "Invalid", "The Gateway is not accepted", gen)));
        } else if (plan.notUsable() != null) {
            // accepted, but nothing is programmed: neither the Gateway nor any of its listeners
            ArrayNode conds = Status.JSON.arrayNode();
            for (com.fasterxml.jackson.databind.JsonNode cond : st.path("conditions")) {
                conds.add(cond.path("type").asText().equals("Programmed")
                        ? Status.condition("Programmed", false, "AddressNotUsable", plan.notUsable(), gen) : cond);
            }
            st.set("conditions", conds);
            for (com.fasterxml.jackson.databind.JsonNode l : st.path("listeners")) {
                ArrayNode lc = Status.JSON.arrayNode();
                for (com.fasterxml.jackson.databind.JsonNode cond : l.path("conditions")) {
                    lc.add(cond.path("type").asText().equals("Programmed")
                            ? Status.condition("Programmed", false, "Pending", "The Gateway's address is not usable", gen) : cond);
                }
                ((ObjectNode) l).set("conditions", lc);
            }
        }
        Secrets.Resolution clientCert = clientCertificates.get(g.key());
        if (clientCert != null) {
            // the Gateway-level ResolvedRefs (spec.tls.backend); the Gateway stays Accepted either way
            ArrayNode conds = ((ArrayNode) st.path("conditions")).deepCopy();
            conds.add(clientCert.resolved()
                    ? Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen)
                    : Status.condition("ResolvedRefs", false, clientCert.reason(), clientCert.message(), gen));
            st.set("conditions", conds);
        }
        st.set("addresses", plan.status());
        return st;
    }

    /**
     * Why the Gateway's {@code spec.infrastructure.parametersRef} is invalid, or null when it has none. Lattice defines
     * no parameters kind, so every reference is to a kind it does not support (the spec's InvalidParameters).
     */
    private String invalidParameters(Gateway g) {
        Resource res = index.resource(g);
        com.fasterxml.jackson.databind.JsonNode ref = res == null ? null
                : res.object().path("spec").path("infrastructure").path("parametersRef");
        if (ref == null || !ref.isObject()) return null;
        String message = "parametersRef " + ref.path("group").asText("") + "/" + ref.path("kind").asText("")
                + " " + ref.path("name").asText("") + " is not supported: Lattice has no Gateway parameters kinds";
        problems.add(Lines.problem(res, "spec.infrastructure.parametersRef", message + " (InvalidParameters)"));
        return message;
    }

    /** Specificity of a listener hostname: any host < wildcard (longer is more specific) < exact. */
    private static int specificity(String hostname) {
        if (hostname == null) return 0;
        if (Hostnames.isWildcard(hostname)) return 1 + hostname.length();
        return Integer.MAX_VALUE;
    }

    /**
     * One listener per port. Its virtual hosts: one per hostname that a programmed listener on the port declares
     * ("*" for none) or that an attached route serves there. A host belongs to the most specific listener that
     * matches it (listener isolation), and its virtual host holds the rules of that listener's routes whose
     * hostname covers it: routes with the more specific matching hostname first, then Gateway API match
     * precedence.
     */
    private Ir.Proxy gatewayProxy(ProxyId id, Gateway g, List<ListenerInfo> infos) {
        GatewayAddresses.Plan plan = addressPlans.get(g.key());
        if (!plan.programmable()) return new Ir.Proxy(id, List.of(), List.of());
        String bind = plan.bind();
        TreeMap<Integer, List<ListenerInfo>> byPort = new TreeMap<>();
        for (ListenerInfo i : infos) {
            if (i.programmed()) byPort.computeIfAbsent(i.listener().port(), p -> new ArrayList<>()).add(i);
        }
        List<Attachment> attachments = gatewayAttachments.get(g.key());
        List<Ir.Listener> listeners = new ArrayList<>();
        Set<String> usedClusters = new TreeSet<>();
        for (var e : byPort.entrySet()) {
            int port = e.getKey();
            List<ListenerInfo> onPort = e.getValue();
            Set<String> hosts = new TreeSet<>(Comparator.nullsLast(Comparator.naturalOrder()));
            Set<String> withNull = new HashSet<>();
            for (ListenerInfo i : onPort) {
                if (i.listener().hostname() == null) withNull.add("any");
                else hosts.add(i.listener().hostname());
            }
            for (Attachment a : attachments) {
                if (onPort.stream().noneMatch(i -> i.index() == a.listener())) continue;
                for (String h : a.hostnames()) {
                    if (h == null) withNull.add("any");
                    else hosts.add(h);
                }
            }
            List<String> ordered = new ArrayList<>(hosts);
            if (!withNull.isEmpty()) ordered.add(null);
            List<Ir.VirtualHost> vhosts = new ArrayList<>();
            List<Integer> owners = new ArrayList<>();
            for (String host : ordered) {
                int owner = owner(host, onPort);
                owners.add(owner);
                record HostEntry(int specificity, Precedence.Entry entry) {}
                List<HostEntry> entries = new ArrayList<>();
                for (Attachment a : attachments) {
                    if (a.listener() != owner) continue;
                    for (String h : a.hostnames()) {
                        if (!covers(h, host)) continue;
                        List<Precedence.Entry> es = new ArrayList<>();
                        addEntries(es, a.route());
                        for (Precedence.Entry x : es) entries.add(new HostEntry(specificity(h), x));
                    }
                }
                entries.sort(Comparator.comparingInt((HostEntry x) -> -x.specificity())
                        .thenComparing(HostEntry::entry, Precedence.ORDER));
                Set<String> seen = new HashSet<>();
                List<Precedence.Entry> unique = new ArrayList<>();
                for (HostEntry x : entries) if (seen.add(x.entry().routeName())) unique.add(x.entry());
                String domain = host == null ? "*" : host;
                Set<String> ownerSections = onPort.stream().filter(i -> i.index() == owner).map(i -> i.listener().name())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet());
                vhosts.add(new Ir.VirtualHost(domain, List.of(domain), routes(unique, usedClusters, false, port,
                        x -> RouteSite.gateway(g, ownerSections, x.route().resource().key(), ruleName(x)))));
            }
            if (onPort.stream().anyMatch(i -> i.usesTls() || i.usesTcp())) {
                Ir.Listener chained = GatewayPortChains.listener(port, onPort, ordered, vhosts, owners,
                        tlsRoutes.attachments(g.key()), usedClusters, name -> authz.forGateway(g, port, bind, Set.of(name)),
                        name -> clientTraffic.gateway(g, Set.of(name)));
                if (chained != null) {
                    listeners.add(new Ir.Listener(chained.name(), bind, chained.port(), chained.role(), chained.statPrefix(),
                            chained.stripAnyHostPort(), chained.routeConfigName(), chained.virtualHosts(), chained.chains()));
                }
                continue;
            }
            // one connection manager serves every listener of a plain HTTP port: a policy for one of them guards them all
            Set<String> sections = new HashSet<>();
            for (ListenerInfo i : onPort) sections.add(i.listener().name());
            listeners.add(new Ir.Listener("gateway/" + port, bind, port, Ir.Role.GATEWAY, "gateway_" + port, true,
                    "gateway/" + port, vhosts, List.of(), null, authz.forGateway(g, port, bind, sections),
                    clientTraffic.gateway(g, sections)));
        }
        List<Ir.Cluster> cs = usedClusters.stream().map(clusters::get).filter(java.util.Objects::nonNull).toList();
        Secrets.Resolution clientCert = clientCertificates.get(g.key());
        if (clientCert != null && clientCert.resolved()) {
            // this Gateway presents its spec.tls.backend client certificate on every upstream TLS connection
            Ir.Certificate cert = clientCert.certificates().get(0);
            cs = cs.stream().map(c -> c.tls() == null ? c : new Ir.Cluster(c.name(), c.lbPolicy(), c.h2c(), c.endpoints(),
                    c.tls().withClientCertificate(cert))).toList();
        }
        return new Ir.Proxy(id, listeners, cs);
    }

    /** The index of the most specific listener on the port that matches {@code host} (null: any host), or -1. */
    private static int owner(String host, List<ListenerInfo> onPort) {
        int best = -1;
        int bestSpecificity = -1;
        for (ListenerInfo i : onPort) {
            String lh = i.listener().hostname();
            boolean matches = lh == null || (host != null && (lh.equals(host) || Hostnames.matches(lh, host)));
            if (matches && specificity(lh) > bestSpecificity) {
                best = i.index();
                bestSpecificity = specificity(lh);
            }
        }
        return best;
    }

    /** Whether a route hostname (null: any) covers the virtual host's hostname (null: any). */
    private static boolean covers(String routeHost, String host) {
        if (routeHost == null) return true;
        if (host == null) return false;
        return routeHost.equals(host) || Hostnames.matches(routeHost, host);
    }

    private static void addEntries(List<Precedence.Entry> entries, RouteResolution.ResolvedRoute r) {
        List<HttpRoute.Rule> rules = r.route().rules();
        for (int i = 0; i < rules.size(); i++) {
            List<HttpRoute.Match> ms = rules.get(i).matches();
            for (int j = 0; j < ms.size(); j++) entries.add(new Precedence.Entry(r, i, j, ms.get(j)));
        }
    }

    /**
     * The routes of the entries, in their order. {@code listenerPort} (the Gateway listener's port, or the Service
     * port for mesh routes) is the port of a redirect that names neither port nor scheme.
     */
    private List<Ir.Route> routes(List<Precedence.Entry> entries, Set<String> usedClusters, boolean sort,
                                  int listenerPort, java.util.function.Function<Precedence.Entry, RouteSite> site) {
        List<Precedence.Entry> sorted = new ArrayList<>(entries);
        if (sort) sorted.sort(Precedence.ORDER);
        List<Ir.Route> out = new ArrayList<>();
        for (Precedence.Entry e : sorted) {
            Ir.Action action = e.route().actions().get(e.rule());
            if (action instanceof Ir.Forward f) {
                for (Ir.WeightedCluster c : f.clusters()) {
                    if (!c.name().startsWith(RouteResolution.INVALID_PREFIX)) usedClusters.add(c.name());
                }
                for (Ir.Mirror m : f.mirrors()) usedClusters.add(m.cluster());
            }
            if (action instanceof Ir.Redirect r && r.port() == null) action = r.withPort(listenerPort);
            if (action instanceof Ir.Forward f) action = f.withRedirectPort(listenerPort); // backendRef-level redirects
            out.add(new Ir.Route(e.routeName(), match(e.m()), action, e.route().filters().get(e.rule()), policies(site.apply(e))));
        }
        return out;
    }

    /** The name of an entry's rule ({@code rules[].name}, a policy's sectionName), or null. */
    private static String ruleName(Precedence.Entry e) {
        return e.route().route().rules().get(e.rule()).name();
    }

    private java.util.Set<ResourceKey> rejectedKeys(String kind) {
        java.util.Set<ResourceKey> out = new java.util.HashSet<>();
        for (dev.lattice.model.Resource r : snapshot.rejected()) if (r.kind().equals(kind)) out.add(r.key());
        return out;
    }

    /** The route-level policies that govern a route served at {@code site} (null: none). */
    private Ir.Policies policies(RouteSite site) {
        return Ir.Policies.of(JwtIr.of(jwtPolicies.at(site), uri -> snapshot.remoteJwks(uri).keys()),
                RateLimits.ir(rateLimits.at(site), rateLimitRedis), validations.at(site));
    }

    static Ir.Match match(HttpRoute.Match m) {
        Ir.PathKind kind;
        String path = m.path().value();
        switch (m.path().type()) {
            case "Exact" -> kind = Ir.PathKind.EXACT;
            case "RegularExpression" -> kind = Ir.PathKind.REGEX;
            case "Prefix" -> kind = Ir.PathKind.PREFIX;
            default -> {
                if (path.equals("/")) {
                    kind = Ir.PathKind.PREFIX;
                } else {
                    kind = Ir.PathKind.PATH_SEPARATED_PREFIX;
                    while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
                }
            }
        }
        List<Ir.ValueMatch> headers = new ArrayList<>();
        for (HttpRoute.ValueMatch h : m.headers()) {
            headers.add(new Ir.ValueMatch(h.name().toLowerCase(Locale.ROOT), h.type().equals("RegularExpression"), h.value()));
        }
        if (m.method() != null) headers.add(new Ir.ValueMatch(":method", false, m.method()));
        List<Ir.ValueMatch> query = new ArrayList<>();
        for (HttpRoute.ValueMatch q : m.queryParams()) {
            query.add(new Ir.ValueMatch(q.name(), q.type().equals("RegularExpression"), q.value()));
        }
        return new Ir.Match(kind, path, headers, query);
    }

    // ---------------------------------------------------------------- sidecars

    private Ir.Proxy sidecarProxy(ProxyId id, Workload w) {
        ProxyPorts pp = snapshot.ports().get(id);
        List<Ir.Listener> listeners = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        List<Ir.Cluster> workloadClusters = new ArrayList<>();
        int outbound = pp != null && pp.outboundPort() > 0 ? pp.outboundPort()
                : w.sidecar().outboundPort() != null ? w.sidecar().outboundPort() : 0;
        if (outbound > 0) {
            List<Ir.VirtualHost> vhosts = new ArrayList<>();
            for (Service s : index.services.values()) {
                boolean first = true;
                for (Service.Port p : s.ports()) {
                    if (!p.protocol().equals("TCP")) continue;
                    vhosts.add(outboundHost(w, s, p, first, used));
                    first = false;
                }
            }
            // a request sent straight to a workload's address (not to a Service) reaches it without any route
            for (Workload target : index.workloads) {
                for (Workload.Port wp : target.ports()) {
                    Ir.Cluster cluster = workloadCluster(target, wp.port());
                    if (cluster == null) continue;
                    workloadClusters.add(cluster);
                    String host = (target.address().contains(":") ? "[" + target.address() + "]" : target.address()) + ":" + wp.port();
                    vhosts.add(new Ir.VirtualHost(cluster.name(), List.of(host), List.of(new Ir.Route(cluster.name() + "/direct",
                            new Ir.Match(Ir.PathKind.PREFIX, "/", List.of(), List.of()),
                            new Ir.Forward(List.of(new Ir.WeightedCluster(cluster.name(), 1)), false)))));
                }
            }
            listeners.add(new Ir.Listener("outbound", "127.0.0.1", outbound, Ir.Role.SIDECAR_OUTBOUND, "outbound", false,
                    "outbound", vhosts));
        }
        List<Ir.Cluster> inboundClusters = new ArrayList<>();
        for (Workload.Port p : w.ports()) {
            Integer in = pp == null ? null : pp.inbound().get(p.port());
            if (in == null) continue;
            String name = "inbound/" + p.port();
            Ir.Route route = new Ir.Route(name, new Ir.Match(Ir.PathKind.PREFIX, "/", List.of(), List.of()),
                    new Ir.Forward(List.of(new Ir.WeightedCluster(name, 1)), false), Ir.RouteFilters.NONE,
                    policies(RouteSite.inbound(w)));
            listeners.add(new Ir.Listener(name, w.address(), in, Ir.Role.SIDECAR_INBOUND, "inbound_" + p.port(), false, name,
                    List.of(new Ir.VirtualHost(name, List.of("*"), List.of(route))), List.of(),
                    mtls.enabled() ? mtls.of(w) : null, authz.forWorkload(w, p.port()), clientTraffic.inbound(w)));
            inboundClusters.add(new Ir.Cluster(name, Ir.LbPolicy.ROUND_ROBIN, inboundH2c(w, p.port()),
                    List.of(new Ir.Endpoint(w.address(), p.port()))));
        }
        List<Ir.Cluster> cs = new ArrayList<>(inboundClusters);
        used.stream().map(clusters::get).filter(java.util.Objects::nonNull).forEach(cs::add);
        cs.addAll(workloadClusters);
        return new Ir.Proxy(id, listeners, cs);
    }

    /**
     * The cluster {@code workload/<ns>/<name>/<appPort>} of one Workload port, for requests a client sends straight to
     * the Workload's address: the Workload's sidecar inbound port when it has one (the mesh hop), else the app port;
     * null when its sidecar has no inbound port for it yet.
     */
    private Ir.Cluster workloadCluster(Workload target, int appPort) {
        String name = "workload/" + target.meta().namespace() + "/" + target.meta().name() + "/" + appPort;
        Integer port = appPort;
        String identity = null;
        if (target.sidecar().inject()) {
            identity = mtls.meshIdentity(target);
            ProxyPorts pp = snapshot.ports().get(new ProxyId(ProxyId.Role.SIDECAR, target.meta().namespace(), target.meta().name()));
            port = pp == null ? null : pp.inbound().get(appPort);
        }
        if (port == null) return null;
        return new Ir.Cluster(name, Ir.LbPolicy.ROUND_ROBIN, inboundH2c(target, appPort),
                List.of(new Ir.Endpoint(target.address(), port, identity)));
    }

    /**
     * h2c to the app when a Service port that selects this Workload and targets this app port says kubernetes.io/h2c,
     * or is a backend of a GRPCRoute.
     */
    private boolean inboundH2c(Workload w, int appPort) {
        for (Service s : index.services.values()) {
            if (!selected(s).contains(w)) continue;
            for (Service.Port p : s.ports()) {
                Integer t = p.targetOn(w);
                boolean grpc = GrpcRoutes.isGrpcBackend(index, s, p);
                if ((p.h2c() || grpc) && t != null && t == appPort) return true;
            }
        }
        return false;
    }

    private Ir.VirtualHost outboundHost(Workload client, Service s, Service.Port p, boolean firstPort, Set<String> used) {
        String ns = s.meta().namespace();
        String name = s.meta().name();
        List<String> names = new ArrayList<>();
        if (ns.equals(client.meta().namespace())) names.add(name);
        names.add(name + "." + ns);
        names.add(name + "." + ns + ".svc");
        names.add(name + "." + ns + ".svc.cluster.local");
        List<String> domains = new ArrayList<>();
        for (String n : names) {
            if (firstPort) domains.add(n);
            domains.add(n + ":" + p.port());
        }
        List<Precedence.Entry> entries = new ArrayList<>();
        Set<ResourceKey> seen = new HashSet<>();
        for (MeshAttachment a : meshAttachments) {
            if (a.service() != s || (a.port() != null && a.port() != p.port())) continue;
            String routeNs = a.route().route().meta().namespace();
            boolean producer = routeNs.equals(ns);
            if (!producer && !routeNs.equals(client.meta().namespace())) continue;
            if (seen.add(a.route().resource().key())) addEntries(entries, a.route());
        }
        // GEP-1426: consumer routes take precedence over producer routes; then Gateway API match precedence
        entries.sort(Comparator.comparingInt((Precedence.Entry e) -> e.route().route().meta().namespace().equals(ns) ? 1 : 0)
                .thenComparing(Precedence.ORDER));
        String cluster = RouteResolution.clusterName(ns, name, p.port());
        List<Ir.Route> routes;
        if (entries.isEmpty()) {
            used.add(cluster);
            routes = List.of(new Ir.Route(cluster + "/default", new Ir.Match(Ir.PathKind.PREFIX, "/", List.of(), List.of()),
                    new Ir.Forward(List.of(new Ir.WeightedCluster(cluster, 1)), false)));
        } else {
            routes = routes(entries, used, false, p.port(), x -> RouteSite.mesh(x.route().resource().key(), ruleName(x)));
        }
        return new Ir.VirtualHost(cluster, domains, routes);
    }
}
