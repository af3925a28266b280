package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * specs.smi-spec.io TCPRoute (v1alpha4): a list of ports, referenced by TrafficTargets; no ports means every port.
 * Its key's kind is {@value #KEY_KIND} so that it never collides with Gateway API's TCPRoute of the same name.
 */
public record SmiTcpRoute(ObjectMeta meta, List<Integer> ports) implements MeshObject {
    public static final String GROUP = "specs.smi-spec.io";
    public static final String KEY_KIND = "TCPRoute." + GROUP;

    public SmiTcpRoute {
        requireNonNull(meta, "meta");
        ports = List.copyOf(ports);
    }

    @Override
    public String kind() {
        return KEY_KIND;
    }

    static SmiTcpRoute read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        List<Integer> ports = new ArrayList<>();
        if (spec.present() && spec.object()) {
            spec.known("matches");
            Field m = spec.get("matches");
            if (m.present() && m.object()) {
                m.known("name", "ports");
                for (Field p : m.get("ports").list()) {
                    Integer n = p.port(true);
                    if (n != null) ports.add(n);
                }
            }
        }
        return new SmiTcpRoute(meta, ports);
    }
}
