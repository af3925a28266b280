package dev.lattice.control.translate;

import dev.lattice.model.GrpcRoute;
import dev.lattice.model.HttpRoute;
import java.time.Instant;
import java.util.Comparator;

/**
 * Gateway API route precedence, most specific first: Exact path, then RegularExpression path (longer first;
 * the spec leaves regex order to the implementation), then PathPrefix with the most characters; then a method
 * match; then the most header matches; then the most query param matches; then the oldest route by
 * creationTimestamp (routes without one count as newest); then the route's "namespace/name" alphabetically;
 * then rule order and match order within the route.
 *
 * <p>GRPCRoute rules come before HTTPRoute rules of the same virtual host (the spec forbids merging the two), in
 * GRPCRoute precedence: the most characters in the matching service, then in the method (an Exact match before
 * a RegularExpression one of the same length), then the most header matches; then age, name, rule and match
 * order as above.
 */
final class Precedence {
    /** One match of one rule of one route, the unit that precedence orders. */
    record Entry(RouteResolution.ResolvedRoute route, int rule, int match, HttpRoute.Match m) {
        String routeName() {
            HttpRoute r = route.route();
            String ruleName = r.rules().get(rule).name();
            return (grpc() == null ? "" : "grpc/") + r.meta().namespace() + "/" + r.meta().name() + "/rule/" + rule
                    + (ruleName == null ? "" : "/" + ruleName) + "/match/" + match;
        }

        /** The gRPC method match of this entry when it comes from a GRPCRoute rule (null: none, or an HTTPRoute). */
        GrpcRoute grpc() {
            return route.grpc();
        }

        GrpcRoute.MethodMatch method() {
            return route.grpc() == null ? null : route.grpc().rules().get(rule).matches().get(match).method();
        }
    }

    private static final Comparator<Entry> TIES = Comparator
            .comparing((Entry e) -> created(e.route().route()))
            .thenComparing(e -> e.route().route().meta().namespace() + "/" + e.route().route().meta().name())
            .thenComparingInt(Entry::rule)
            .thenComparingInt(Entry::match);

    private static final Comparator<Entry> GRPC = Comparator
            .comparingInt((Entry e) -> -length(e.method() == null ? null : e.method().service()))
            .thenComparingInt(e -> -length(e.method() == null ? null : e.method().method()))
            .thenComparingInt(e -> e.method() == null || e.method().type().equals("Exact") ? 0 : 1)
            .thenComparingInt(e -> -e.m().headers().size())
            .thenComparing(TIES);

    private static final Comparator<Entry> HTTP = Comparator
            .comparingInt((Entry e) -> pathRank(e.m()))
            .thenComparing(e -> -pathLength(e.m()))
            .thenComparing(e -> e.m().method() == null ? 1 : 0)
            .thenComparing(e -> -e.m().headers().size())
            .thenComparing(e -> -e.m().queryParams().size())
            .thenComparing(e -> created(e.route().route()))
            .thenComparing(e -> e.route().route().meta().namespace() + "/" + e.route().route().meta().name())
            .thenComparingInt(Entry::rule)
            .thenComparingInt(Entry::match);

    static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> e.grpc() != null ? 0 : 1)
            .thenComparing((a, b) -> a.grpc() != null ? GRPC.compare(a, b) : HTTP.compare(a, b));

    private Precedence() {}

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static int pathRank(HttpRoute.Match m) {
        return switch (m.path().type()) {
            case "Exact" -> 0;
            case "RegularExpression" -> 1;
            default -> 2;
        };
    }

    private static int pathLength(HttpRoute.Match m) {
        String v = m.path().value();
        if (m.path().type().equals("PathPrefix") && v.length() > 1 && v.endsWith("/")) return v.length() - 1;
        return v.length();
    }

    /**
     * Whether route {@code a} comes before route {@code b} by age: the older creationTimestamp (none counts as newest),
     * then "namespace/name" alphabetically. Decides, among others, which of an HTTPRoute and a GRPCRoute that share
     * a listener hostname is accepted (the spec's GRPCRoute hostnames rule).
     */
    static boolean older(dev.lattice.model.ObjectMeta a, dev.lattice.model.ObjectMeta b) {
        int c = created(a).compareTo(created(b));
        if (c != 0) return c < 0;
        return (a.namespace() + "/" + a.name()).compareTo(b.namespace() + "/" + b.name()) < 0;
    }

    private static Instant created(HttpRoute r) {
        return created(r.meta());
    }

    private static Instant created(dev.lattice.model.ObjectMeta meta) {
        String ts = meta.creationTimestamp();
        if (ts.isEmpty()) return Instant.MAX;
        try {
            return Instant.parse(ts);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.MAX;
        }
    }
}
