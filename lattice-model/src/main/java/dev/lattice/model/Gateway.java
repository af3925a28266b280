package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** gateway.networking.k8s.io/v1 Gateway. Every listener protocol is kept here; those Lattice does not serve are refused in status. */
public record Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners, FrontendTls frontendTls,
        CertificateRef backendClientCertificate, AllowedListeners allowedListeners) implements MeshObject {
    public static final String KIND = "Gateway";

    /** A Gateway without spec.tls.frontend nor spec.tls.backend. */
    public Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners) {
        this(meta, gatewayClassName, listeners, null, null);
    }

    /** A Gateway without spec.tls.backend. */
    public Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners, FrontendTls frontendTls) {
        this(meta, gatewayClassName, listeners, frontendTls, null);
    }

    /** A Gateway that allows no ListenerSet (spec.allowedListeners not written). */
    public Gateway(ObjectMeta meta, String gatewayClassName, List<Listener> listeners, FrontendTls frontendTls,
                   CertificateRef backendClientCertificate) {
        this(meta, gatewayClassName, listeners, frontendTls, backendClientCertificate, AllowedListeners.NONE);
    }

    /**
     * spec.allowedListeners.namespaces: from which namespaces ListenerSets may attach listeners to this Gateway
     * ({@code None}, the default, {@code Same}, {@code All} or {@code Selector} with {@code selector}).
     */
    public record AllowedListeners(String from, LabelSelector selector) {
        public static final AllowedListeners NONE = new AllowedListeners("None", null);

        public AllowedListeners {
            requireNonNull(from, "from");
        }
    }

    /**
     * spec.tls.frontend: the client certificate validation of HTTPS listeners, {@code defaults} for every port unless
     * {@code perPort} names the listener's port. A null validation means no client certificate is asked for.
     */
    public record FrontendTls(Validation defaults, Map<Integer, Validation> perPort) {
        public FrontendTls {
            perPort = Map.copyOf(perPort);
        }

        /** The validation for a listener port (null: none): its perPort entry, else the default. */
        public Validation forPort(int port) {
            return perPort.containsKey(port) ? perPort.get(port) : defaults;
        }
    }

    /**
     * A FrontendTLSValidation: trust anchors (ConfigMap with ca.crt by default, or Secret) and mode AllowValidOnly
     * (the default) or AllowInsecureFallback. {@code path} is the spec field it was read from (for problems).
     */
    public record Validation(List<CertificateRef> caCertificateRefs, String mode, String path) {
        public static final String ALLOW_VALID_ONLY = "AllowValidOnly";
        public static final String ALLOW_INSECURE_FALLBACK = "AllowInsecureFallback";

        public Validation {
            caCertificateRefs = List.copyOf(caCertificateRefs);
            requireNonNull(mode, "mode");
            requireNonNull(path, "path");
        }

        public boolean insecureFallback() {
            return mode.equals(ALLOW_INSECURE_FALLBACK);
        }
    }

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
        requireNonNull(allowedListeners, "allowedListeners");
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
        List<Listener> listeners = readListeners(spec.get("listeners"));
        return new Gateway(meta, className, listeners, readFrontend(spec), readBackendClientCertificate(spec),
                readAllowedListeners(spec));
    }

    /** spec.allowedListeners (None when not written). */
    private static AllowedListeners readAllowedListeners(Field spec) {
        Field a = spec.get("allowedListeners");
        if (!a.present() || !a.object()) return AllowedListeners.NONE;
        a.known("namespaces");
        Field ns = a.get("namespaces");
        if (!ns.present() || !ns.object()) return AllowedListeners.NONE;
        ns.known("from", "selector");
        String from = ns.get("from").oneOf("None", List.of("None", "Same", "All", "Selector"));
        LabelSelector selector = ns.get("selector").present() ? LabelSelector.read(ns.get("selector")) : null;
        if ("Selector".equals(from) && selector == null) ns.get("selector").problem("required when from is Selector");
        return new AllowedListeners(from, selector);
    }

    /**
     * The listeners of a Gateway's spec.listeners or a ListenerSet's: 1 to 64, unique names, the CRD's rules on
     * hostname and tls per protocol.
     */
    static List<Listener> readListeners(Field listenersField) {
        List<Listener> listeners = new ArrayList<>();
        List<Field> lf = listenersField.list();
        if (lf.isEmpty()) listenersField.problem("required: at least one listener");
        if (lf.size() > 64) listenersField.problem("at most 64 listeners");
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
        return listeners;
    }

    /**
     * spec.tls.backend.clientCertificateRef (null when not written): the certificate the Gateway presents on its
     * upstream TLS connections. A SecretObjectReference: group "" and kind Secret by default, namespace null means the
     * Gateway's. Whether it resolves is the translator's business (a Gateway condition).
     */
    private static CertificateRef readBackendClientCertificate(Field spec) {
        Field b = spec.get("tls").get("backend");
        if (!b.present() || !b.object()) return null;
        b.known("clientCertificateRef");
        Field c = b.get("clientCertificateRef");
        if (!c.present() || !c.object()) return null;
        c.known("group", "kind", "name", "namespace");
        String name = c.get("name").requiredString();
        if (name == null || name.isEmpty()) return null;
        return new CertificateRef(c.get("group").string(""), c.get("kind").string(Secret.KIND), name,
                c.get("namespace").string(null));
    }

    /** spec.tls.frontend. */
    private static FrontendTls readFrontend(Field spec) {
        Field f = spec.get("tls").get("frontend");
        if (!f.present() || !f.object()) return null;
        f.known("default", "perPort");
        Field d = f.get("default");
        if (d.require()) d.object();
        Validation defaults = readValidation(d, "spec.tls.frontend.default.validation");
        Map<Integer, Validation> perPort = new java.util.LinkedHashMap<>();
        List<Field> pf = f.get("perPort").list();
        for (int i = 0; i < pf.size(); i++) {
            Field p = pf.get(i);
            if (!p.object()) continue;
            p.known("port", "tls");
            Integer port = p.get("port").port(true);
            Field t = p.get("tls");
            if (t.require()) t.object();
            Validation v = readValidation(t, "spec.tls.frontend.perPort[" + i + "].tls.validation");
            if (port != null && perPort.containsKey(port)) p.get("port").problem("duplicate perPort port " + port);
            else if (port != null) perPort.put(port, v);
        }
        return new FrontendTls(defaults, perPort);
    }

    private static Validation readValidation(Field tlsConfig, String path) {
        if (!tlsConfig.present() || !tlsConfig.json().isObject()) return null;
        tlsConfig.known("validation");
        Field v = tlsConfig.get("validation");
        if (!v.present() || !v.object()) return null;
        v.known("caCertificateRefs", "mode");
        String mode = v.get("mode").oneOf(Validation.ALLOW_VALID_ONLY,
                List.of(Validation.ALLOW_VALID_ONLY, Validation.ALLOW_INSECURE_FALLBACK));
        List<CertificateRef> refs = new ArrayList<>();
        List<Field> rf = v.get("caCertificateRefs").list();
        if (rf.isEmpty()) v.get("caCertificateRefs").problem("required: at least one caCertificateRef");
        if (rf.size() > 8) v.get("caCertificateRefs").problem("at most 8 caCertificateRefs");
        for (Field c : rf) {
            if (!c.object()) continue;
            c.known("group", "kind", "name", "namespace");
            // ObjectReference: group and kind are required by the CRD
            String group = c.get("group").require() ? c.get("group").string("") : "";
            refs.add(new CertificateRef(group, c.get("kind").requiredString(),
                    c.get("name").requiredString(), c.get("namespace").string(null)));
        }
        return new Validation(refs, mode, path);
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
