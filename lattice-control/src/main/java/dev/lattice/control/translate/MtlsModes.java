package dev.lattice.control.translate;

import dev.lattice.control.MeshTrust;
import dev.lattice.model.MtlsMode;
import dev.lattice.model.MtlsPolicy;
import dev.lattice.model.Resource;
import dev.lattice.model.Workload;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The inbound mTLS mode of each meshed Workload (docs/security.md): the most specific MTLSPolicy that applies to it
 * (one that names the Workload, then one that names a Service selecting it, then one without targetRefs in its
 * namespace; ties go to the oldest), else MeshConfig's {@code spec.mtls.mode}. An MTLSPolicy whose current version
 * does not validate makes its whole namespace STRICT: a policy that cannot be understood never opens access. Without
 * mesh identities ({@link MeshTrust#enabled()} false) every mode is DISABLE.
 */
final class MtlsModes {
    private final MeshIndex index;
    private final PolicyTargets targets;
    private final MeshTrust trust;
    private final Set<String> brokenNamespaces = new HashSet<>();

    MtlsModes(MeshIndex index, MeshTrust trust, List<Resource> rejected) {
        this.index = index;
        this.targets = new PolicyTargets(index);
        this.trust = trust;
        for (Resource r : rejected) {
            if (r.kind().equals(MtlsPolicy.KIND)) brokenNamespaces.add(r.namespace());
        }
    }

    /** Whether proxies have identities at all (else nothing is mTLS). */
    boolean enabled() {
        return trust.enabled();
    }

    MtlsMode of(Workload w) {
        if (!trust.enabled()) return MtlsMode.DISABLE;
        String ns = w.meta().namespace();
        if (brokenNamespaces.contains(ns)) return MtlsMode.STRICT;
        MtlsPolicy best = null;
        int bestRank = 0;
        for (MtlsPolicy p : index.mtlsPolicies) { // oldest first: a later policy must be more specific to win
            if (!p.meta().namespace().equals(ns)) continue;
            int rank = rank(p, w);
            if (rank > bestRank) {
                best = p;
                bestRank = rank;
            }
        }
        return best != null ? best.mode() : trust.defaultMode();
    }

    /** How specifically the policy attaches to the Workload ({@link PolicyTargets}). */
    private int rank(MtlsPolicy p, Workload w) {
        return targets.workload(p.meta().namespace(), p.targetRefs(), w);
    }

    /** The SPIFFE ID of a Workload's sidecar. */
    String identity(Workload w) {
        return "spiffe://" + trust.trustDomain() + "/ns/" + w.meta().namespace() + "/sa/" + w.serviceAccount();
    }

    /** The SPIFFE ID a meshed destination's sidecar proves, when traffic to it is mTLS; else null. */
    String meshIdentity(Workload w) {
        if (!trust.enabled() || !w.sidecar().inject() || of(w) == MtlsMode.DISABLE) return null;
        return identity(w);
    }
}
