package dev.lattice.proxy.filter.session;

import dev.lattice.proxy.config.SessionPolicy;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.ResponseView;
import dev.lattice.proxy.filter.StreamFilter;

/**
 * A route's session persistence (Envoy's {@code envoy.filters.http.stateful_session} with its per-route config;
 * Gateway API's sessionPersistence): a request whose session names an endpoint of one of the route's backends is
 * pinned to it, before the weights and the balancer; a response from any other endpoint (a new session, or the named
 * one was gone) names the endpoint that answered. Only routes with session persistence have one.
 */
public final class SessionFilter implements HttpFilter, StreamFilter {
    private final SessionPersistence session;
    /** Per target of the route, the keys ("ip:port") of its cluster's endpoints; null for a target never picked. */
    private final String[][] endpointKeys;

    public SessionFilter(SessionPolicy policy, String[][] endpointKeys) {
        this.session = new SessionPersistence(policy);
        this.endpointKeys = endpointKeys;
    }

    public SessionPolicy policy() {
        return session.policy;
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        String key = session.requestedEndpoint(r.upstreamHeaders(), System.currentTimeMillis() / 1000);
        int[] pinned = key == null ? null : target(key);
        if (pinned != null) r.pinUpstream(pinned[0], pinned[1]);
        r.observe(this);
        return null;
    }

    @Override
    public void onResponseHeaders(ResponseView r) {
        if (!r.upstreamPinned()) {
            session.respond(r.headers(), r.upstreamAddress(), System.currentTimeMillis() / 1000, r.secure());
        }
    }

    /**
     * The target and endpoint that a session key names, as {@code {target index, endpoint index}}, or null when no
     * target's cluster has that endpoint.
     */
    public int[] target(String key) {
        for (int t = 0; t < endpointKeys.length; t++) {
            String[] keys = endpointKeys[t];
            if (keys == null) continue;
            for (int e = 0; e < keys.length; e++) {
                if (keys[e].equals(key)) return new int[] {t, e};
            }
        }
        return null;
    }
}
