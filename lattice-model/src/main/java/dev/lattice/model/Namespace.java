package dev.lattice.model;

import static java.util.Objects.requireNonNull;

/** Core v1 Namespace: only its labels matter (Gateway allowedRoutes selectors). Off Kubernetes a namespace has no labels unless declared. */
public record Namespace(ObjectMeta meta) implements MeshObject {
    public static final String KIND = "Namespace";

    public Namespace {
        requireNonNull(meta, "meta");
    }

    @Override
    public String kind() {
        return KIND;
    }
}
