package dev.lattice.model;

import static java.util.Objects.requireNonNull;

/**
 * Identity of a resource: its kind as Kubernetes spells it ("HTTPRoute", "Service", "Workload"), namespace
 * ("" for cluster-scoped kinds such as GatewayClass) and name.
 */
public record ResourceKey(String kind, String namespace, String name) {
    public ResourceKey {
        requireNonNull(kind, "kind");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
}
