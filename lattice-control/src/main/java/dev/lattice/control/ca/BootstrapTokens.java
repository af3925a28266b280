package dev.lattice.control.ca;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bootstrap tokens that {@code lattice up} mints, one per proxy: 32 random bytes (base64url), each fixing
 * who holds it (the proxy's node id) and the workload identity ({@code namespace}, {@code serviceAccount}) a CSR
 * presented with it may get; the trust domain is the mesh's at signing time. Tokens are never logged.
 */
public final class BootstrapTokens {
    /** What a token grants. */
    public record Grant(String holder, String namespace, String serviceAccount) {
        public Grant {
            requireNonNull(holder, "holder");
            requireNonNull(namespace, "namespace");
            requireNonNull(serviceAccount, "serviceAccount");
        }

        public SpiffeId identity(String trustDomain) {
            return SpiffeId.forWorkload(trustDomain, namespace, serviceAccount);
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Grant> byToken = new ConcurrentHashMap<>();

    public String mint(Grant grant) {
        requireNonNull(grant, "grant");
        byte[] b = new byte[32];
        random.nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        byToken.put(token, grant);
        return token;
    }

    /** What {@code token} was minted for, or null. */
    public Grant resolve(String token) {
        return token == null ? null : byToken.get(token);
    }

    public void revoke(String token) {
        byToken.remove(token);
    }
}
