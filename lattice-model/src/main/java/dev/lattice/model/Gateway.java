package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** gateway.networking.k8s.io/v1 Gateway. Every listener protocol is kept here; those Lattice does not serve are refused in status. */
public record Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners) implements MeshObject {
    public static final String KIND = "Gateway";

    /** hostname is null when not written (any host); tls is null when not written. */
    public record Listener(String name, int port, String protocol, String hostname, AllowedRoutes allowedRoutes, Tls tls) {
        public Listener {
            requireNonNull(name, "name");
            requireNonNull(protocol, "protocol");
            requireNonNull(allowedRoutes, "allowedRoutes");
        }

        public Listener(String name, int port, String protocol, String hostname, AllowedRoutes allowedRoutes) {
            this(name, port, protocol, hostname, allowedRoutes, null);
        }
    }

    /** A listener's tls: mode Terminate or Passthrough, the certificates (Terminate), and implementation options. */
    public record Tls(String mode, List<CertificateRef> certificateRefs, Map<String, String> options) {
        public static final String TERMINATE = "Terminate";
        public static final String PASSTHROUGH = "Passthrough";

        public Tls {
            requireNonNull(mode, "mode");
            certificateRefs = List.copyOf(certificateRefs);
            options = Map.copyOf(options);
        }
    }

    /** A certificateRef: group "" and kind Secret by default; namespace null means the Gateway's. */
    public record CertificateRef(String group, String kind, String name, String namespace) {
        public CertificateRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
        }

        public boolean isSecret() {
            return group.isEmpty() && Secret.KIND.equals(kind);
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
            Tls tls = readTls(l, protocol);
            if (hostname != null && (protocol.equals("TCP") || protocol.equals("UDP"))) {
                l.get("hostname").problem("must not be set for protocol " + protocol);
            }
            if (port != null) listeners.add(new Listener(name, port, protocol, hostname, allowed, tls));
        }
        return new Gateway(meta, className, listeners);
    }

    /** The CRD's rules: tls is required for HTTPS and TLS and forbidden for HTTP, TCP and UDP. */
    private static Tls readTls(Field l, String protocol) {
        Field t = l.get("tls");
        if (!t.present()) {
            if (protocol.equals("HTTPS") || protocol.equals("TLS")) t.problem("required for protocol " + protocol);
            return null;
        }
        if (!t.object()) return null;
        if (List.of("HTTP", "TCP", "UDP").contains(protocol)) t.problem("must not be set for protocol " + protocol);
        t.known("mode", "certificateRefs", "options", "frontendValidation");
        String mode = t.get("mode").oneOf(Tls.TERMINATE, List.of(Tls.TERMINATE, Tls.PASSTHROUGH));
        List<CertificateRef> refs = new ArrayList<>();
        List<Field> rf = t.get("certificateRefs").list();
        if (rf.size() > 64) t.get("certificateRefs").problem("at most 64 certificateRefs");
        for (Field c : rf) {
            if (!c.object()) continue;
            c.known("group", "kind", "name", "namespace");
            refs.add(new CertificateRef(c.get("group").string(""), c.get("kind").string(Secret.KIND),
                    c.get("name").requiredString(), c.get("namespace").string(null)));
        }
        Map<String, String> options = t.get("options").stringMap();
        if (mode.equals(Tls.TERMINATE) && refs.isEmpty() && options.isEmpty()) {
            t.get("certificateRefs").problem("required (at least one) when mode is Terminate");
        }
        return new Tls(mode, refs, options);
    }
}
