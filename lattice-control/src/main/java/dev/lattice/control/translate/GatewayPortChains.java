package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Hostnames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The filter chains of a Gateway port whose listeners are HTTPS or TLS (docs/xds.md "Listener: TLS and SNI"): one
 * TLS-terminating chain per HTTPS listener, matched by its hostname as SNI (no hostname: the default chain), whose
 * HCM holds only the virtual hosts that listener owns (listener isolation) plus a 421 virtual host for each host its
 * hostname covers that a more specific listener owns; and one tcp_proxy chain per TLSRoute attached to a TLS
 * listener, matched by the route's SNI names (Passthrough: without TLS context; Terminate: with the listener's, so the
 * proxy ends TLS and relays the plain stream). A server name goes to the first chain that claims it. A TCP listener's
 * port gets one default tcp_proxy chain, its first attachment's (the oldest TCPRoute, as {@link TlsRoutes} orders them).
 */
final class GatewayPortChains {
    static final int MISDIRECTED = 421;

    private GatewayPortChains() {}

    /**
     * @param hosts the port's hosts (null: any), with {@code vhosts} their virtual hosts and {@code owners} the index
     *              of the listener that owns each
     * @return the listener, or null when no chain is left (a TLS listener without routes)
     */
    static Ir.Listener listener(int port, List<ListenerInfo> onPort, List<String> hosts, List<Ir.VirtualHost> vhosts,
                                List<Integer> owners, List<TlsRoutes.Attachment> tlsRoutes, Set<String> usedClusters,
                                java.util.function.Function<String, Ir.Authz> authzByListener,
                                java.util.function.Function<String, Ir.ClientTraffic> clientTrafficByListener) {
        List<ListenerInfo> sorted = new ArrayList<>(onPort);
        sorted.sort(Comparator.comparingInt((ListenerInfo i) -> -specificity(i.listener().hostname()))
                .thenComparingInt(ListenerInfo::index));
        Set<String> claimed = new HashSet<>();
        boolean[] defaultClaimed = {false};
        List<Ir.FilterChain> chains = new ArrayList<>();
        for (ListenerInfo l : sorted) {
            String lh = l.listener().hostname();
            String stat = "gateway_" + port + "_" + l.listener().name();
            if (l.servesHttp()) {
                List<String> names = claim(lh == null ? List.of() : List.of(lh), claimed, defaultClaimed);
                if (names == null) continue;
                List<Ir.VirtualHost> own = new ArrayList<>();
                for (int k = 0; k < hosts.size(); k++) {
                    String host = hosts.get(k);
                    int owner = owners.get(k);
                    if (owner == l.index()) {
                        own.add(vhosts.get(k));
                    } else if (covers(lh, host)) {
                        String other = onPort.stream().filter(i -> i.index() == owner).map(i -> i.listener().name())
                                .findFirst().orElse("another listener");
                        Ir.Route r = new Ir.Route("misdirected/" + other,
                                new Ir.Match(Ir.PathKind.PREFIX, "/", List.of(), List.of()),
                                new Ir.DirectResponse(MISDIRECTED, "Misdirected Request: this host is served by listener "
                                        + other + "\n"));
                        own.add(new Ir.VirtualHost(vhosts.get(k).name(), vhosts.get(k).domains(), List.of(r)));
                    }
                }
                chains.add(new Ir.FilterChain(names, l.tls(),
                        new Ir.Hcm(stat, true, "gateway/" + port + "/" + l.listener().name(), own,
                                authzByListener.apply(l.listener().name()),
                                clientTrafficByListener.apply(l.listener().name()))));
            } else {
                for (TlsRoutes.Attachment a : tlsRoutes) {
                    if (a.listener() != l.index()) continue;
                    List<String> names = claim(a.serverNames(), claimed, defaultClaimed);
                    if (names == null) continue;
                    for (Ir.WeightedCluster c : a.clusters()) {
                        if (!c.name().startsWith(RouteResolution.INVALID_PREFIX)) usedClusters.add(c.name());
                    }
                    // Passthrough: no TLS context, the bytes go through; Terminate: TLS ends here, the plain stream goes on
                    chains.add(new Ir.FilterChain(names, l.tls(), new Ir.TcpProxy(stat, a.clusters())));
                }
            }
        }
        if (chains.isEmpty()) return null;
        return new Ir.Listener("gateway/" + port, "0.0.0.0", port, Ir.Role.GATEWAY, "gateway_" + port, true,
                "gateway/" + port, List.of(), chains);
    }

    /** The names not yet claimed (claiming them), or null when nothing is left ({@code names} empty: the default chain). */
    private static List<String> claim(List<String> names, Set<String> claimed, boolean[] defaultClaimed) {
        if (names.isEmpty()) {
            if (defaultClaimed[0]) return null;
            defaultClaimed[0] = true;
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String n : names) if (claimed.add(n)) out.add(n);
        return out.isEmpty() ? null : out;
    }

    /** Whether a listener hostname (null: any) covers a host (null: any). */
    private static boolean covers(String listenerHost, String host) {
        if (listenerHost == null) return true;
        if (host == null) return false;
        return listenerHost.equals(host) || Hostnames.matches(listenerHost, host);
    }

    /** Any host < wildcard (longer is more specific) < exact. */
    static int specificity(String hostname) {
        if (hostname == null) return 0;
        if (Hostnames.isWildcard(hostname)) return 1 + hostname.length();
        return Integer.MAX_VALUE;
    }
}
