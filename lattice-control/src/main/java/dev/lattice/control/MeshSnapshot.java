package dev.lattice.control;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.util.List;
import java.util.Map;

/**
 * Everything the control plane knows at one moment, immutable and versioned: the resources that currently
 * apply (last good ones for files or objects that are now broken), the problems found while reading them,
 * and the ports placed for each proxy. A change is a new snapshot.
 */
public record MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports) {
    public MeshSnapshot {
        resources = List.copyOf(resources);
        problems = List.copyOf(problems);
        ports = Map.copyOf(ports);
    }
}
