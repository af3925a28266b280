package dev.lattice.control.translate;

/**
 * The one order of an HTTP connection manager's {@code http_filters} (docs/xds.md, "HTTP filter order"): every filter
 * kind the mesh has or will have, in the order a request meets them. A {@link TranslatorFilter} names its slot here;
 * {@link TranslatorFilters} emits the entries of all slots in this order, whichever policies contribute, so a new
 * kind takes its slot and never has to know about the others.
 *
 * <p>The order follows Envoy Gateway's: cheap rejections first (fault injection needs no other filter), CORS before
 * any authentication so that a preflight is answered without credentials, external authorization before JWT (as
 * Istio's CUSTOM before authn), session persistence before authorization, then authorization (RBAC), local and
 * global rate limits, and the router last. Request validation is Lattice's own slot: after authorization and the
 * rate limits, so that a caller who may not or may no longer send learns nothing from the validation, and right
 * before the router. Slots marked {@code reserved} have no translator filter yet (their issues add them).
 */
enum FilterOrder {
    /** {@code envoy.filters.http.fault}: delays and aborts. Reserved. */
    FAULT(true),
    /** {@code envoy.filters.http.cors}: the listener entry that makes the routes' {@code CorsPolicy} count. */
    CORS(false),
    /** {@code envoy.filters.http.ext_authz}: an external authorization service. Reserved. */
    EXT_AUTHZ(true),
    /** {@code envoy.filters.http.jwt_authn}: JWTPolicy (end-user authentication, {@link JwtAuthnFilter}). */
    JWT_AUTHN(false),
    /** {@code envoy.filters.http.stateful_session}: disabled at the listener, enabled by each route's config. */
    STATEFUL_SESSION(false),
    /** {@code lattice.authz.audit}, {@code lattice.authz.deny}, {@code lattice.authz.allow}: RBAC, in that order. */
    AUTHORIZATION(false),
    /** {@code lattice.filters.http.local_ratelimit}: RateLimitPolicy's per-proxy token buckets ({@link LocalRateLimitFilter}). */
    LOCAL_RATE_LIMIT(false),
    /** {@code lattice.filters.http.ratelimit}: RateLimitPolicy's global rules, counted in Redis (a pausing filter, {@link GlobalRateLimitFilter}). */
    GLOBAL_RATE_LIMIT(false),
    /** {@code lattice.request_validation}: RequestValidationPolicy (limits, methods, media types, JSON bodies). */
    REQUEST_VALIDATION(false),
    /** {@code envoy.filters.http.router}: always present, always last. */
    ROUTER(false);

    private final boolean reserved;

    FilterOrder(boolean reserved) {
        this.reserved = reserved;
    }

    /** Whether no translator filter fills this slot yet. */
    boolean reserved() {
        return reserved;
    }
}
