package dev.lattice.control.translate;

import dev.lattice.model.GrpcRoute;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Service;
import java.util.ArrayList;
import java.util.List;

/**
 * GRPCRoute translation: a GRPCRoute becomes an HTTPRoute-shaped route whose matches are on the gRPC path
 * {@code /<service>/<method>} (exact {@code /service/method}, plain prefix {@code /service/}, or a regex), so that
 * attachment, status, backends (as h2c clusters) and filters are shared with HTTPRoutes; precedence is gRPC's own
 * ({@link Precedence}).
 */
final class GrpcRoutes {
    /** Suffix of the h2c variant of a Service port's cluster (for gRPC backends on a port not declared h2c). */
    static final String H2C_SUFFIX = "/h2c";
    private static final String ANY = "[^/]+";

    private GrpcRoutes() {}

    /** The HTTPRoute-shaped view of a GRPCRoute: same metadata, parents, hostnames, filters and backends. */
    static HttpRoute toHttp(GrpcRoute g) {
        List<HttpRoute.Rule> rules = new ArrayList<>();
        for (GrpcRoute.Rule r : g.rules()) {
            List<HttpRoute.Match> matches = r.matches().stream().map(GrpcRoutes::match).toList();
            rules.add(new HttpRoute.Rule(r.name(), matches, r.filters(), r.backendRefs(), HttpRoute.Timeouts.NONE, null,
                    r.sessionPersistence()));
        }
        return new HttpRoute(g.meta(), g.parentRefs(), g.hostnames(), rules);
    }

    /** Whether a port of a Service is a backendRef of some GRPCRoute (then its app speaks h2c behind the sidecar). */
    static boolean isGrpcBackend(MeshIndex index, Service s, Service.Port p) {
        for (GrpcRoute g : index.grpcRoutes) {
            for (GrpcRoute.Rule r : g.rules()) {
                for (HttpRoute.BackendRef b : r.backendRefs()) {
                    String ns = b.namespace() == null ? g.meta().namespace() : b.namespace();
                    if (b.isService() && ns.equals(s.meta().namespace()) && b.name().equals(s.meta().name())
                            && b.port() != null && b.port() == p.port()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * A GRPCRoute that attaches to the Service port(s) that the HTTPRoute parentRef {@code ref} selects, or null:
     * then the HTTPRoute is Conflicted for that parent (GEP-1426: GRPCRoute takes precedence in the mesh).
     */
    static GrpcRoute meshConflict(MeshIndex index, Service s, HttpRoute.ParentRef ref) {
        Integer port = servicePort(s, ref);
        for (GrpcRoute g : index.grpcRoutes) {
            for (HttpRoute.ParentRef p : g.parentRefs()) {
                String ns = p.namespace() == null ? g.meta().namespace() : p.namespace();
                if (!p.isService() || !ns.equals(s.meta().namespace()) || !p.name().equals(s.meta().name())) continue;
                Integer other = servicePort(s, p);
                if (port == null || other == null || port.equals(other)) return g;
            }
        }
        return null;
    }

    /** The Service port a parentRef selects by port or sectionName; null for every port. */
    private static Integer servicePort(Service s, HttpRoute.ParentRef ref) {
        if (ref.port() != null) return ref.port();
        if (ref.sectionName() == null) return null;
        return s.ports().stream().filter(p -> p.name().equals(ref.sectionName())).map(Service.Port::port).findFirst().orElse(-1);
    }

    static HttpRoute.Match match(GrpcRoute.Match m) {
        return new HttpRoute.Match(path(m.method()), m.headers(), List.of(), null);
    }

    /**
     * The path match of a method match: Exact service and method → Exact {@code /service/method}; Exact service
     * only → Prefix {@code /service/}; Exact method only → RegularExpression {@code /[^/]+/method}; a
     * RegularExpression → {@code /(?:service)/(?:method)} with {@code [^/]+} for the part not given; none → every path.
     */
    static HttpRoute.PathMatch path(GrpcRoute.MethodMatch m) {
        if (m == null) return new HttpRoute.PathMatch("PathPrefix", "/");
        if (m.type().equals("Exact")) {
            if (m.service() != null && m.method() != null) return new HttpRoute.PathMatch("Exact", "/" + m.service() + "/" + m.method());
            if (m.service() != null) return new HttpRoute.PathMatch("Prefix", "/" + m.service() + "/");
            return new HttpRoute.PathMatch("RegularExpression", "/" + ANY + "/" + m.method());
        }
        String service = m.service() == null ? ANY : "(?:" + m.service() + ")";
        String method = m.method() == null ? ANY : "(?:" + m.method() + ")";
        return new HttpRoute.PathMatch("RegularExpression", "/" + service + "/" + method);
    }
}
