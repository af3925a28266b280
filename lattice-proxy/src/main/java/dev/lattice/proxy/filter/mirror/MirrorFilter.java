package dev.lattice.proxy.filter.mirror;

import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.router.Spread;
import java.util.List;

/**
 * Gateway API's RequestMirror (Envoy's {@code request_mirror_policies}): for each mirror, its fraction of the route's
 * requests is copied, headers and body, to the mirror's cluster; the answers are dropped and never delay or change the
 * live one. The draws follow the fractions closely ({@link Spread}); the connection manager sends the copies
 * ({@link RequestView#mirror}).
 */
public final class MirrorFilter implements HttpFilter {
    private final String[] clusters;
    private final int[] numerators;
    private final int[] denominators;
    private final Spread spread;

    private MirrorFilter(List<RouteAction.Mirror> mirrors, Spread spread) {
        this.clusters = mirrors.stream().map(RouteAction.Mirror::cluster).toArray(String[]::new);
        this.numerators = mirrors.stream().mapToInt(RouteAction.Mirror::numerator).toArray();
        this.denominators = mirrors.stream().mapToInt(RouteAction.Mirror::denominator).toArray();
        this.spread = spread;
    }

    /** The filter for a route's mirrors (drawing from the route's {@code spread}), or null when it has none. */
    public static MirrorFilter of(List<RouteAction.Mirror> mirrors, Spread spread) {
        return mirrors.isEmpty() ? null : new MirrorFilter(mirrors, spread);
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        for (int i = 0; i < clusters.length; i++) {
            if (numerators[i] < denominators[i] && spread.next(denominators[i]) >= numerators[i]) continue;
            r.mirror(clusters[i]);
        }
        return null;
    }
}
