package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * gateway.networking.k8s.io/v1 BackendTLSPolicy: TLS from the proxy to the Services it targets (a port by its name
 * with {@code sectionName}). What the CRD's schema and CEL rules reject are problems here (no targetRefs, no hostname,
 * both or neither of caCertificateRefs and wellKnownCACertificates, a subjectAltName whose value does not fit its
 * type); what the spec reports in status (a caCertificateRef of another kind or that does not resolve, an unsupported
 * wellKnownCACertificates value, a target that is not a Service) is kept for the translation to judge.
 */
public record BackendTlsPolicy(ObjectMeta meta, List<TargetRef> targetRefs, List<CaRef> caCertificateRefs,
                               String wellKnownCaCertificates, String hostname, List<SubjectAltName> subjectAltNames,
                               java.util.Map<String, String> options) implements MeshObject {
    public static final String KIND = "BackendTLSPolicy";
    public static final String SYSTEM = "System";

    /** A target: {@code sectionName} null means every port of the Service. */
    public record TargetRef(String group, String kind, String name, String sectionName) {
        public TargetRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
        }

        public boolean isService() {
            return group.isEmpty() && kind.equals("Service");
        }
    }

    /** A CA certificate reference in the policy's namespace (Core: a ConfigMap with {@code ca.crt}). */
    public record CaRef(String group, String kind, String name) {
        public CaRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
        }

        public boolean isConfigMap() {
            return group.isEmpty() && kind.equals(ConfigMap.KIND);
        }
    }

    public enum SanType { Hostname, URI }

    /** A subject alternative name the backend's certificate must have (one of them). */
    public record SubjectAltName(SanType type, String value) {
        public SubjectAltName {
            requireNonNull(type, "type");
            requireNonNull(value, "value");
        }
    }

    public BackendTlsPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
        caCertificateRefs = List.copyOf(caCertificateRefs);
        requireNonNull(hostname, "hostname");
        subjectAltNames = List.copyOf(subjectAltNames);
        options = java.util.Map.copyOf(options);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static BackendTlsPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "validation", "options");
        List<TargetRef> targets = new ArrayList<>();
        Field tf = spec.get("targetRefs");
        List<Field> tl = tf.list();
        if (tl.isEmpty()) tf.problem("required: at least one target");
        if (tl.size() > 16) tf.problem("at most 16 targets");
        for (Field t : tl) {
            if (!t.object()) continue;
            t.known("group", "kind", "name", "sectionName");
            Field g = t.get("group");
            if (!g.present()) g.problem("required (\"\" for the core group)");
            String section = t.get("sectionName").string(null);
            TargetRef ref = new TargetRef(g.string(""), t.get("kind").requiredString(), t.get("name").requiredString(),
                    section == null || section.isEmpty() ? null : section);
            for (TargetRef o : targets) {
                if (o.group().equals(ref.group()) && o.kind().equals(ref.kind()) && o.name().equals(ref.name())) {
                    if ((o.sectionName() == null) != (ref.sectionName() == null)) {
                        t.problem("sectionName must be specified when targetRefs includes 2 or more references to the same target");
                    } else if (java.util.Objects.equals(o.sectionName(), ref.sectionName())) {
                        t.problem("sectionName must be unique when targetRefs includes 2 or more references to the same target");
                    }
                }
            }
            targets.add(ref);
        }
        Field v = spec.get("validation");
        if (v.require()) v.object();
        v.known("caCertificateRefs", "wellKnownCACertificates", "hostname", "subjectAltNames");
        List<CaRef> cas = new ArrayList<>();
        Field cf = v.get("caCertificateRefs");
        List<Field> cl = cf.list();
        if (cl.size() > 8) cf.problem("at most 8 references");
        for (Field c : cl) {
            if (!c.object()) continue;
            c.known("group", "kind", "name");
            Field g = c.get("group");
            if (!g.present()) g.problem("required (\"\" for the core group)");
            cas.add(new CaRef(g.string(""), c.get("kind").requiredString(), c.get("name").requiredString()));
        }
        String wellKnown = v.get("wellKnownCACertificates").string(null);
        if (wellKnown != null && wellKnown.isEmpty()) wellKnown = null;
        if (!cas.isEmpty() && wellKnown != null) v.problem("must not contain both CACertificateRefs and WellKnownCACertificates");
        if (cas.isEmpty() && wellKnown == null && v.present()) v.problem("must specify either CACertificateRefs or WellKnownCACertificates");
        Field hf = v.get("hostname");
        String hostname = hf.requiredString();
        if (hostname == null) hostname = "";
        if (!hostname.isEmpty()) {
            String bad = Hostnames.check(hostname);
            if (bad == null && Hostnames.isWildcard(hostname)) bad = "must be a precise DNS name, not the wildcard \"" + hostname + "\"";
            if (bad != null) hf.problem(bad);
        }
        List<SubjectAltName> sans = new ArrayList<>();
        Field sf = v.get("subjectAltNames");
        List<Field> sl = sf.list();
        if (sl.size() > 5) sf.problem("at most 5 subjectAltNames");
        for (Field s : sl) {
            if (!s.object()) continue;
            s.known("type", "hostname", "uri");
            String type = s.get("type").oneOf(null, List.of("Hostname", "URI"));
            String h = s.get("hostname").string(null);
            String u = s.get("uri").string(null);
            if (type == null) {
                if (!s.get("type").present()) s.get("type").problem("required (Hostname or URI)");
                continue;
            }
            if (type.equals("Hostname")) {
                if (h == null || h.isEmpty()) s.get("hostname").problem("required when type is Hostname");
                if (u != null && !u.isEmpty()) s.get("uri").problem("must not be set when type is Hostname");
                if (h != null && !h.isEmpty()) sans.add(new SubjectAltName(SanType.Hostname, h));
            } else {
                if (u == null || u.isEmpty()) s.get("uri").problem("required when type is URI");
                else if (!u.matches("^[A-Za-z][A-Za-z0-9+.-]*:\\S+$")) s.get("uri").problem("must be an absolute URI, not \"" + u + "\"");
                if (h != null && !h.isEmpty()) s.get("hostname").problem("must not be set when type is URI");
                if (u != null && !u.isEmpty()) sans.add(new SubjectAltName(SanType.URI, u));
            }
        }
        java.util.Map<String, String> options = spec.get("options").stringMap();
        return new BackendTlsPolicy(meta, targets, cas, wellKnown, hostname, sans, options);
    }
}
