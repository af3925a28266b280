package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSession;
import io.envoyproxy.envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState;
import io.envoyproxy.envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState;
import io.envoyproxy.envoy.type.http.v3.Cookie;
import java.util.List;

/**
 * Session persistence (GEP-1619; docs/xds.md "Session persistence"): a connection manager with a route that has a
 * session lists {@code envoy.filters.http.stateful_session} disabled (Envoy needs the filter in the chain; each route
 * enables it with its own config), and each such route carries a {@code StatefulSessionPerRoute}.
 */
final class SessionFilter implements TranslatorFilter {
    static final String NAME = "envoy.filters.http.stateful_session";
    static final String COOKIE = "envoy.http.stateful_session.cookie";
    static final String HEADER = "envoy.http.stateful_session.header";
    static final String LIFETIME = "session_lifetime_seconds";

    @Override
    public FilterOrder order() {
        return FilterOrder.STATEFUL_SESSION;
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        boolean any = hcm.virtualHosts().stream().flatMap(v -> v.routes().stream()).anyMatch(r -> session(r) != null);
        if (!any) return List.of();
        return List.of(HttpFilter.newBuilder().setName(NAME).setDisabled(true)
                .setTypedConfig(Any.pack(StatefulSession.getDefaultInstance())).build());
    }

    private static Ir.Session session(Ir.Route r) {
        return r.action() instanceof Ir.Forward f ? f.session() : null;
    }

    /**
     * The route's session persistence: a per-route StatefulSession with cookie (name, path, ttl) or header state, and,
     * when the proxy must bound a session that no cookie Max-Age bounds, route metadata
     * {@code filter_metadata["lattice"].session_lifetime_seconds}.
     */
    @Override
    public void patchRoute(Route.Builder b, Ir.Route route, Ir.Hcm hcm) {
        Ir.Session s = session(route);
        if (s == null) return;
        TypedExtensionConfig state;
        if (s.cookie()) {
            Cookie.Builder c = Cookie.newBuilder().setName(s.name())
                    .setPath(s.cookiePath() != null ? s.cookiePath() : cookiePath(route.match()));
            if (s.cookieTtlSeconds() > 0) c.setTtl(Duration.newBuilder().setSeconds(s.cookieTtlSeconds()));
            state = TypedExtensionConfig.newBuilder().setName(COOKIE)
                    .setTypedConfig(Any.pack(CookieBasedSessionState.newBuilder().setCookie(c).build())).build();
        } else {
            state = TypedExtensionConfig.newBuilder().setName(HEADER)
                    .setTypedConfig(Any.pack(HeaderBasedSessionState.newBuilder().setName(s.name()).build())).build();
        }
        b.putTypedPerFilterConfig(NAME, Any.pack(StatefulSessionPerRoute.newBuilder()
                .setStatefulSession(StatefulSession.newBuilder().setSessionState(state)).build()));
        if (s.lifetimeSeconds() > 0 && s.cookieTtlSeconds() == 0) {
            b.getMetadataBuilder().putFilterMetadata("lattice", Struct.newBuilder()
                    .putFields(LIFETIME, Value.newBuilder().setNumberValue(s.lifetimeSeconds()).build()).build());
        }
    }

    /**
     * The cookie Path for a route's match (GEP-1619 before v1.6, as Envoy Gateway does): an exact path, a prefix, or
     * for a regex the path up to the segment before its first special character ("/" when none is left).
     */
    static String cookiePath(Ir.Match m) {
        if (m.pathKind() != Ir.PathKind.REGEX) return m.path();
        String p = m.path();
        int i = 0;
        while (i < p.length() && ".*+?()[]{}|^$\\".indexOf(p.charAt(i)) < 0) i++;
        if (i == p.length()) return p;
        int slash = p.lastIndexOf('/', i);
        return slash <= 0 ? "/" : p.substring(0, slash);
    }
}
