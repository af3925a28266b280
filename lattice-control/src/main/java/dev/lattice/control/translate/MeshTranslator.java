package dev.lattice.control.translate;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.model.Resource;
import java.util.List;

/** Model → IR → xDS. Pure: no network, disk or clock. */
public final class MeshTranslator {
    private MeshTranslator() {}

    /** The proxies these resources call for (one per Gateway of a Lattice GatewayClass, one per sidecar Workload). */
    public static List<ProxyRequest> proxies(List<Resource> resources) {
        throw new UnsupportedOperationException("not implemented yet"); // being written
    }

    /** Everything each proxy of the snapshot gets, and the status of every resource. */
    public static MeshTranslation translate(MeshSnapshot snapshot) {
        throw new UnsupportedOperationException("not implemented yet"); // being written
    }
}
