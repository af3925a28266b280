package dev.lattice.control.translate;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Gateway;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model → IR → xDS. Pure: no network, disk or clock.
 *
 * <p>{@link #translate} gives each proxy its listeners and clusters as docs/xds.md describes them, and a
 * Kubernetes-style {@code status} object per GatewayClass (of Lattice's controller), Gateway (of such a class)
 * and HTTPRoute (that has a parent Lattice handles). Translation has no clock, so every condition's
 * {@code lastTransitionTime} is the placeholder {@code 1970-01-01T00:00:00Z}; the control plane runtime
 * replaces it with the time the condition last changed. Resources in the snapshot that do not validate are
 * ignored (a source only passes valid ones).
 */
public final class MeshTranslator {
    /** The controllerName of Lattice's GatewayClass. */
    public static final String CONTROLLER_NAME = GatewayClass.LATTICE_CONTROLLER;
    /** The lastTransitionTime every condition carries until the runtime stamps it. */
    public static final String NO_TIME = Status.NO_TIME;

    private MeshTranslator() {}

    /**
     * The proxies these resources call for (one per Gateway of a Lattice GatewayClass, one per sidecar Workload),
     * gateways first, each group ordered by namespace and name.
     */
    public static List<ProxyRequest> proxies(List<Resource> resources) {
        MeshIndex index = new MeshIndex(resources);
        List<ProxyRequest> out = new ArrayList<>();
        for (Gateway g : index.gateways) {
            if (!index.isLatticeGateway(g)) continue;
            out.add(new ProxyRequest(new ProxyId(ProxyId.Role.GATEWAY, g.meta().namespace(), g.meta().name()),
                    null, null, "0.0.0.0", List.of(),
                    listenerPorts(g, index)));
        }
        for (Workload w : index.workloads) {
            if (!w.sidecar().inject()) continue;
            out.add(new ProxyRequest(new ProxyId(ProxyId.Role.SIDECAR, w.meta().namespace(), w.meta().name()),
                    w.sidecar().outboundPort(), w.sidecar().adminPort(), w.address(),
                    w.ports().stream().map(Workload.Port::port).toList(), List.of(), w.serviceAccount()));
        }
        return List.copyOf(out);
    }

    /** Every JWTPolicy {@code remoteJWKS.uri} of these resources (the control plane fetches them). */
    public static java.util.Set<String> remoteJwksUris(List<Resource> resources) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (dev.lattice.model.JwtPolicy p : new MeshIndex(resources).jwtPolicies) {
            for (dev.lattice.model.JwtPolicy.Provider v : p.providers()) if (v.remoteJwksUri() != null) out.add(v.remoteJwksUri());
        }
        return out;
    }

    /** The ports of the Gateway's listeners and of every ListenerSet that names it as parent (allowed or not). */
    private static List<Integer> listenerPorts(Gateway g, MeshIndex index) {
        java.util.stream.Stream<Gateway.Listener> sets = index.listenerSets.stream()
                .filter(s -> s.parentRef().namespace().equals(g.meta().namespace()) && s.parentRef().name().equals(g.meta().name()))
                .flatMap(s -> s.listeners().stream());
        return java.util.stream.Stream.concat(g.listeners().stream(), sets).map(Gateway.Listener::port).distinct().sorted().toList();
    }

    /** Everything each proxy of the snapshot gets, and the status of every resource. */
    public static MeshTranslation translate(MeshSnapshot snapshot) {
        MeshIrBuilder.Result r = ir(snapshot);
        Map<ProxyId, ProxyXds> proxies = new LinkedHashMap<>();
        var secrets = MeshTlsXds.secrets(snapshot.trust());
        r.proxies().forEach((id, p) -> proxies.put(id, new ProxyXds(id, XdsBuilder.listeners(p), XdsBuilder.clusters(p), secrets)));
        return new MeshTranslation(proxies, r.statuses(), r.problems(), r.validationSchemas());
    }

    /** The IR of every proxy (ordered gateways, then sidecars), with statuses and problems, before xDS. */
    public static IrTranslation translateIr(MeshSnapshot snapshot) {
        MeshIrBuilder.Result r = ir(snapshot);
        return new IrTranslation(r.proxies(), r.problems());
    }

    /** The IR of each proxy and the problems translation found. */
    public record IrTranslation(Map<ProxyId, Ir.Proxy> proxies, List<Problem> problems) {
        public IrTranslation {
            proxies = Map.copyOf(proxies);
            problems = List.copyOf(problems);
        }
    }

    private static MeshIrBuilder.Result ir(MeshSnapshot snapshot) {
        return new MeshIrBuilder(java.util.Objects.requireNonNull(snapshot, "snapshot")).build();
    }
}
