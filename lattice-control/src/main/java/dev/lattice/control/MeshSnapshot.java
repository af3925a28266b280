package dev.lattice.control;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.util.List;
import java.util.Map;

/**
 * Everything the control plane knows at one moment, immutable and versioned: the resources that currently
 * apply (last good ones for files or objects that are now broken), the problems found while reading them,
 * the ports placed for each proxy, and the objects whose current version does not validate ({@code rejected}, as
 * written: translation makes the policy kinds among them fail closed), the mesh's trust (identities, roots) and the
 * JWKS fetched for JWTPolicies' {@code remoteJWKS.uri} (by URI; a URI not in it is not fetched yet), and the last
 * RequestValidationPolicy schemas that compiled (by policy, from earlier translations: {@link
 * dev.lattice.control.translate.MeshTranslation#validationSchemas()}). A change is a new snapshot.
 */
public record MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports,
                           List<Resource> rejected, MeshTrust trust, Map<String, RemoteJwks> remoteJwks,
                           Map<ResourceKey, ValidationSchema> lastGoodSchemas) {
    public MeshSnapshot {
        resources = List.copyOf(resources);
        problems = List.copyOf(problems);
        ports = Map.copyOf(ports);
        rejected = List.copyOf(rejected);
        java.util.Objects.requireNonNull(trust, "trust");
        remoteJwks = Map.copyOf(remoteJwks);
        lastGoodSchemas = Map.copyOf(lastGoodSchemas);
    }

    /** This snapshot with the schemas its translation served, to carry into the next one. */
    public MeshSnapshot withLastGoodSchemas(Map<ResourceKey, ValidationSchema> schemas) {
        return new MeshSnapshot(version, resources, problems, ports, rejected, trust, remoteJwks, schemas);
    }

    /** A snapshot with no schema from an earlier translation. */
    public MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports,
                        List<Resource> rejected, MeshTrust trust, Map<String, RemoteJwks> remoteJwks) {
        this(version, resources, problems, ports, rejected, trust, remoteJwks, Map.of());
    }

    /** A snapshot without fetched JWKS (every remoteJWKS provider fails closed). */
    public MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports,
                        List<Resource> rejected, MeshTrust trust) {
        this(version, resources, problems, ports, rejected, trust, Map.of());
    }

    /** What is known of a remoteJWKS.uri: {@link RemoteJwks#PENDING} when it is not in {@link #remoteJwks}. */
    public RemoteJwks remoteJwks(String uri) {
        return remoteJwks.getOrDefault(uri, RemoteJwks.PENDING);
    }

    /** A snapshot without mesh identities ({@link MeshTrust#NONE}). */
    public MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports,
                        List<Resource> rejected) {
        this(version, resources, problems, ports, rejected, MeshTrust.NONE);
    }

    /** A snapshot in which every object validated ({@link dev.lattice.control.source.SourceState#rejected} empty). */
    public MeshSnapshot(long version, List<Resource> resources, List<Problem> problems, Map<ProxyId, ProxyPorts> ports) {
        this(version, resources, problems, ports, List.of());
    }
}
