package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.model.Resource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Model → IR → xDS. Pure: no network, disk or clock. */
public final class MeshTranslator {
    /** The controllerName of Lattice's GatewayClass. */
    public static final String CONTROLLER_NAME = "lattice.dev/gateway-controller";

    private MeshTranslator() {}

    /** The proxies these resources call for (one per Gateway of a Lattice GatewayClass, one per sidecar Workload). */
    public static List<ProxyRequest> proxies(List<Resource> resources) {
        Set<String> latticeClasses = new HashSet<>();
        for (Resource r : resources) {
            if (r.kind().equals("GatewayClass")
                    && CONTROLLER_NAME.equals(r.object().path("spec").path("controllerName").asText())) {
                latticeClasses.add(r.name());
            }
        }
        List<ProxyRequest> out = new ArrayList<>();
        for (Resource r : resources) {
            JsonNode spec = r.object().path("spec");
            if (r.kind().equals("Gateway") && latticeClasses.contains(spec.path("gatewayClassName").asText())) {
                out.add(new ProxyRequest(new ProxyId(ProxyId.Role.GATEWAY, r.namespace(), r.name()),
                        null, null, "0.0.0.0", List.of()));
            } else if (r.kind().equals("Workload")) {
                JsonNode sidecar = spec.path("sidecar");
                if (sidecar.path("inject").isBoolean() && !sidecar.path("inject").asBoolean()) continue;
                List<Integer> appPorts = new ArrayList<>();
                for (JsonNode p : spec.path("ports")) {
                    if (p.path("port").canConvertToInt()) appPorts.add(p.path("port").asInt());
                }
                out.add(new ProxyRequest(new ProxyId(ProxyId.Role.SIDECAR, r.namespace(), r.name()),
                        intOrNull(sidecar.get("outboundPort")), intOrNull(sidecar.get("adminPort")),
                        spec.path("address").asText("127.0.0.1"), appPorts));
            }
        }
        out.sort(Comparator.comparing((ProxyRequest p) -> p.id().role()).thenComparing(p -> p.id().namespace())
                .thenComparing(p -> p.id().name()));
        return List.copyOf(out);
    }

    private static Integer intOrNull(JsonNode n) {
        return n != null && n.canConvertToInt() && n.isNumber() ? n.asInt() : null;
    }

    /** Everything each proxy of the snapshot gets, and the status of every resource. */
    public static MeshTranslation translate(MeshSnapshot snapshot) {
        throw new UnsupportedOperationException("not implemented yet"); // being written
    }
}
