package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** gateway.networking.k8s.io/v1 Gateway. Listener protocols other than HTTP are kept here and refused in status. */
public record Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners) implements MeshObject {
    public static final String KIND = "Gateway";

    /** hostname is null when not written (any host). */
    public record Listener(String name, int port, String protocol, String hostname, AllowedRoutes allowedRoutes) {
        public Listener {
            requireNonNull(name, "name");
            requireNonNull(protocol, "protocol");
            requireNonNull(allowedRoutes, "allowedRoutes");
        }
    }

    /** from is All, Same or Selector (selector non-null then); kinds empty means the protocol's defaults. */
    public record AllowedRoutes(String from, LabelSelector selector, List<RouteGroupKind> kinds) {
        public static final AllowedRoutes DEFAULT = new AllowedRoutes("Same", null, List.of());

        public AllowedRoutes {
            requireNonNull(from, "from");
            kinds = List.copyOf(kinds);
        }
    }

    public record RouteGroupKind(String group, String kind) {}

    public Gateway {
        requireNonNull(meta, "meta");
        requireNonNull(gatewayClassName, "gatewayClassName");
        listeners = List.copyOf(listeners);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static Gateway read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        String className = spec.get("gatewayClassName").requiredString();
        List<Listener> listeners = new ArrayList<>();
        List<Field> lf = spec.get("listeners").list();
        if (lf.isEmpty()) spec.get("listeners").problem("required: at least one listener");
        if (lf.size() > 64) spec.get("listeners").problem("at most 64 listeners");
        Set<String> names = new HashSet<>();
        for (Field l : lf) {
            if (!l.object()) continue;
            l.known("name", "hostname", "port", "protocol", "tls", "allowedRoutes");
            String name = l.get("name").requiredString();
            if (!name.isEmpty() && !names.add(name)) l.get("name").problem("duplicate listener name \"" + name + "\"");
            Integer port = l.get("port").port(true);
            String protocol = l.get("protocol").requiredString();
            String hostname = l.get("hostname").string(null);
            if (hostname != null) {
                String bad = Hostnames.check(hostname);
                if (bad != null) l.get("hostname").problem(bad);
            }
            AllowedRoutes allowed = AllowedRoutes.DEFAULT;
            Field ar = l.get("allowedRoutes");
            if (ar.object()) {
                ar.known("namespaces", "kinds");
                Field ns = ar.get("namespaces");
                ns.object();
                ns.known("from", "selector");
                String from = ns.get("from").oneOf("Same", List.of("All", "Same", "Selector"));
                LabelSelector selector = null;
                if (ns.get("selector").present()) selector = LabelSelector.read(ns.get("selector"));
                if ("Selector".equals(from) && selector == null) ns.get("selector").problem("required when from is Selector");
                List<RouteGroupKind> kinds = new ArrayList<>();
                for (Field k : ar.get("kinds").list()) {
                    k.known("group", "kind");
                    kinds.add(new RouteGroupKind(k.get("group").string(HttpRoute.GROUP), k.get("kind").requiredString()));
                }
                allowed = new AllowedRoutes(from, selector, kinds);
            }
            if (port != null) listeners.add(new Listener(name, port, protocol, hostname, allowed));
        }
        return new Gateway(meta, className, listeners);
    }
}
