package dev.lattice.control;

/**
 * What the control plane knows of one JWTPolicy {@code remoteJWKS.uri} at one moment ({@code control.jwks.JwksFetcher}
 * fetches it): {@code keys}, the last good JWKS (compact JSON; null: none yet), and {@code error}, why the last attempt
 * failed (null: it succeeded, or none finished yet). Both null: not fetched yet. Translation inlines {@code keys} as
 * the provider's {@code local_jwks}; a provider without keys fails closed.
 */
public record RemoteJwks(String keys, String error) {
    /** Not fetched yet. */
    public static final RemoteJwks PENDING = new RemoteJwks(null, null);
}
