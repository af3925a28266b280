package dev.lattice.control;

import static java.util.Objects.requireNonNull;

/** A proxy of the mesh: a Gateway's (role GATEWAY) or a Workload's sidecar (role SIDECAR). See docs/xds.md, Node. */
public record ProxyId(Role role, String namespace, String name) {
    public enum Role {
        GATEWAY, SIDECAR;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ProxyId {
        requireNonNull(role, "role");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    /** The xDS node id: {@code <role>~<namespace>~<name>}. */
    public String nodeId() {
        return role.wire() + "~" + namespace + "~" + name;
    }

    public static ProxyId parse(String nodeId) {
        String[] p = nodeId.split("~", -1);
        if (p.length != 3) throw new IllegalArgumentException("node id must be <role>~<namespace>~<name>: " + nodeId);
        return new ProxyId(Role.valueOf(p[0].toUpperCase(java.util.Locale.ROOT)), p[1], p[2]);
    }
}
