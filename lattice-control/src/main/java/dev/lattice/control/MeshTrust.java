package dev.lattice.control;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * The mesh's identity settings that translation needs: whether proxies have identities at all (a control plane
 * without a CA, as in unit tests and {@code lattice validate}, has none, and then no proxy speaks mTLS), the trust
 * domain, the trusted roots per trust domain (the own first) and the mesh-wide mTLS mode.
 */
public record MeshTrust(boolean enabled, String trustDomain, Map<String, String> bundles,
                        dev.lattice.model.MtlsMode defaultMode) {
    /** No identities: everything plaintext, as before mesh security. */
    public static final MeshTrust NONE = new MeshTrust(false, dev.lattice.model.MeshConfig.DEFAULT_TRUST_DOMAIN, Map.of(),
            dev.lattice.model.MtlsMode.DISABLE);

    public MeshTrust {
        requireNonNull(trustDomain, "trustDomain");
        bundles = Map.copyOf(new TreeMap<>(bundles));
        requireNonNull(defaultMode, "defaultMode");
    }
}
