package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Session persistence of a route (Envoy's stateful_session filter, per route): the endpoint that served a session is
 * named in a cookie or a header called {@code name}; a request that carries a valid one goes back to that endpoint
 * while it exists, else the balancer picks and the response names the new endpoint. {@code cookiePath} (cookie only,
 * null: no Path attribute) and {@code cookieTtl} (zero: a session cookie, else its Max-Age) shape the Set-Cookie;
 * {@code lifetime} (zero: unbounded) is how long the proxy honours a session it issued, carried in the value.
 */
public record SessionPolicy(Kind kind, String name, String cookiePath, Duration cookieTtl, Duration lifetime) {
    public enum Kind { COOKIE, HEADER }

    public SessionPolicy {
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
        requireNonNull(cookieTtl, "cookieTtl");
        requireNonNull(lifetime, "lifetime");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("session: name must not be empty");
        }
    }
}
