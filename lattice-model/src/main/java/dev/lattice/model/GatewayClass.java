package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** gateway.networking.k8s.io GatewayClass. Lattice's controllerName is {@link #LATTICE_CONTROLLER}. */
public record GatewayClass(ObjectMeta meta, String controllerName) implements MeshObject {
    public static final String KIND = "GatewayClass";
    public static final String LATTICE_CONTROLLER = "lattice.dev/gateway-controller";

    public GatewayClass {
        requireNonNull(meta, "meta");
        requireNonNull(controllerName, "controllerName");
    }

    @Override
    public String kind() {
        return KIND;
    }

    public boolean isLattice() {
        return LATTICE_CONTROLLER.equals(controllerName);
    }

    static GatewayClass read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        String controller = spec.get("controllerName").requiredString();
        if (!controller.isEmpty() && !controller.contains("/")) {
            spec.get("controllerName").problem("must be a domain-prefixed path such as " + LATTICE_CONTROLLER);
        }
        return new GatewayClass(meta, controller);
    }
}
