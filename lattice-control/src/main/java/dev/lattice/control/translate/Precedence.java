package dev.lattice.control.translate;

import dev.lattice.model.HttpRoute;
import java.time.Instant;
import java.util.Comparator;

/**
 * Gateway API route precedence, most specific first: Exact path, then RegularExpression path (longer first;
 * the spec leaves regex order to the implementation), then PathPrefix with the most characters; then a method
 * match; then the most header matches; then the most query param matches; then the oldest route by
 * creationTimestamp (routes without one count as newest); then the route's "namespace/name" alphabetically;
 * then rule order and match order within the route.
 */
final class Precedence {
    /** One match of one rule of one route, the unit that precedence orders. */
    record Entry(RouteResolution.ResolvedRoute route, int rule, int match, HttpRoute.Match m) {
        String routeName() {
            HttpRoute r = route.route();
            String ruleName = r.rules().get(rule).name();
            return r.meta().namespace() + "/" + r.meta().name() + "/rule/" + rule + (ruleName == null ? "" : "/" + ruleName)
                    + "/match/" + match;
        }
    }

    static final Comparator<Entry> ORDER = Comparator
            .comparingInt((Entry e) -> pathRank(e.m()))
            .thenComparing(e -> -pathLength(e.m()))
            .thenComparing(e -> e.m().method() == null ? 1 : 0)
            .thenComparing(e -> -e.m().headers().size())
            .thenComparing(e -> -e.m().queryParams().size())
            .thenComparing(e -> created(e.route().route()))
            .thenComparing(e -> e.route().route().meta().namespace() + "/" + e.route().route().meta().name())
            .thenComparingInt(Entry::rule)
            .thenComparingInt(Entry::match);

    private Precedence() {}

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

    private static Instant created(HttpRoute r) {
        String ts = r.meta().creationTimestamp();
        if (ts.isEmpty()) return Instant.MAX;
        try {
            return Instant.parse(ts);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.MAX;
        }
    }
}
