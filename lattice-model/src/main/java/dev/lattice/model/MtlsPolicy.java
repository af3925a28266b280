package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * lattice.dev/v1alpha1 MTLSPolicy: the inbound mTLS mode for the Services and Workloads in its targetRefs, or,
 * with none, for every workload of its namespace. The most specific policy wins (Workload, then Service, then
 * namespace, then MeshConfig); ties go to the oldest.
 */
public record MtlsPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, MtlsMode mode) implements MeshObject {
    public static final String KIND = "MTLSPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS = List.of(PolicyTargetRef.SERVICE, PolicyTargetRef.WORKLOAD);

    public MtlsPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
        requireNonNull(mode, "mode");
    }

    @Override
    public String kind() {
        return KIND;
    }

    static MtlsPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "mode");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(spec.get("targetRefs"), TARGETS);
        Field mf = spec.get("mode");
        if (!mf.present()) mf.problem("required: STRICT, PERMISSIVE or DISABLE");
        return new MtlsPolicy(meta, targets, MtlsMode.read(mf, MtlsMode.STRICT));
    }
}
