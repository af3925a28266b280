package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * lattice.dev/v1alpha1 MeshConfig (cluster-scoped; at most one counts: the oldest, a second is a problem): the
 * mesh's trust domain, certificate lifetime and CA, the mesh-wide mTLS mode, the other trust domains it trusts, and
 * the Redis server that global rate limits count in ({@code spec.rateLimit.redis}, {@code host:port}; null: none).
 * Every field has a default, so a mesh without a MeshConfig runs with {@link #DEFAULTS}.
 */
public record MeshConfig(ObjectMeta meta, String trustDomain, Duration certificateLifetime, SecretRef caSecret,
                         MtlsMode mtlsMode, List<TrustBundle> additionalBundles, String rateLimitRedis)
        implements MeshObject {
    public static final String KIND = "MeshConfig";
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);
    public static final Duration MIN_LIFETIME = Duration.ofMinutes(1);
    /** The namespace a CA Secret is looked up in when its secretRef names none. */
    public static final String SYSTEM_NAMESPACE = "lattice-system";
    /** What a mesh without a MeshConfig runs with. */
    public static final MeshConfig DEFAULTS = new MeshConfig(
            new ObjectMeta("", "", java.util.Map.of(), java.util.Map.of(), 0, ""), DEFAULT_TRUST_DOMAIN,
            DEFAULT_LIFETIME, null, MtlsMode.PERMISSIVE, List.of(), null);

    /** A Secret (type kubernetes.io/tls) holding the CA certificate (tls.crt, chain above it after) and key (tls.key). */
    public record SecretRef(String namespace, String name) {
        public SecretRef {
            requireNonNull(namespace, "namespace");
            requireNonNull(name, "name");
        }
    }

    /** The roots of another trust domain. */
    public record TrustBundle(String trustDomain, String pem) {
        public TrustBundle {
            requireNonNull(trustDomain, "trustDomain");
            requireNonNull(pem, "pem");
        }
    }

    public MeshConfig {
        requireNonNull(meta, "meta");
        requireNonNull(trustDomain, "trustDomain");
        requireNonNull(certificateLifetime, "certificateLifetime");
        requireNonNull(mtlsMode, "mtlsMode");
        additionalBundles = List.copyOf(additionalBundles);
    }

    /** The same without a rate-limit Redis (the shape before {@code spec.rateLimit} existed). */
    public MeshConfig(ObjectMeta meta, String trustDomain, Duration certificateLifetime, SecretRef caSecret,
                      MtlsMode mtlsMode, List<TrustBundle> additionalBundles) {
        this(meta, trustDomain, certificateLifetime, caSecret, mtlsMode, additionalBundles, null);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static MeshConfig read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.present()) spec.object();
        spec.known("trustDomain", "identity", "mtls", "trust", "rateLimit");
        Field tdf = spec.get("trustDomain");
        String td = tdf.string(DEFAULT_TRUST_DOMAIN);
        String bad = checkTrustDomain(td);
        if (bad != null) tdf.problem(bad);
        Field id = spec.get("identity");
        if (id.present()) id.object();
        id.known("certificateLifetime", "ca");
        Duration lifetime = DEFAULT_LIFETIME;
        Field lf = id.get("certificateLifetime");
        if (lf.present()) {
            Long ms = HttpFilters.duration(lf);
            if (ms != null) {
                lifetime = Duration.ofMillis(ms);
                if (lifetime.compareTo(MIN_LIFETIME) < 0) lf.problem("must be at least 1m, not " + lf.string(""));
            }
        }
        SecretRef ca = null;
        Field caf = id.get("ca");
        if (caf.present() && caf.object()) {
            caf.known("secretRef");
            Field sr = caf.get("secretRef");
            if (sr.require() && sr.object()) {
                sr.known("name", "namespace");
                String name = sr.get("name").requiredString();
                String ns = sr.get("namespace").string(SYSTEM_NAMESPACE);
                if (!name.isEmpty()) ca = new SecretRef(ns, name);
            }
        }
        Field mf = spec.get("mtls");
        if (mf.present()) mf.object();
        mf.known("mode");
        MtlsMode mode = MtlsMode.read(mf.get("mode"), MtlsMode.PERMISSIVE);
        List<TrustBundle> bundles = new ArrayList<>();
        Field tf = spec.get("trust");
        if (tf.present()) tf.object();
        tf.known("additionalBundles");
        Set<String> seen = new HashSet<>();
        for (Field b : tf.get("additionalBundles").list()) {
            if (!b.object()) continue;
            b.known("trustDomain", "pem");
            String btd = b.get("trustDomain").requiredString();
            String pem = b.get("pem").requiredString();
            if (btd.isEmpty() || pem.isEmpty()) continue;
            String why = checkTrustDomain(btd);
            if (why != null) {
                b.get("trustDomain").problem(why);
                continue;
            }
            if (btd.equals(td)) {
                b.get("trustDomain").problem("is the mesh's own trust domain; its roots come from the mesh CA");
                continue;
            }
            if (!seen.add(btd)) {
                b.get("trustDomain").problem("repeats the trust domain " + btd);
                continue;
            }
            String pemBad = checkPem(pem);
            if (pemBad != null) {
                b.get("pem").problem(pemBad);
                continue;
            }
            bundles.add(new TrustBundle(btd, pem));
        }
        String redis = null;
        Field rl = spec.get("rateLimit");
        if (rl.present() && rl.object()) {
            rl.known("redis");
            Field rf = rl.get("redis");
            if (rf.require()) {
                String v = rf.requiredString();
                String why = v.isEmpty() ? null : checkHostPort(v);
                if (why != null) rf.problem(why);
                else if (!v.isEmpty()) redis = v;
            }
        }
        return new MeshConfig(meta, td, lifetime, ca, mode, bundles, redis);
    }

    /**
     * Null when {@code v} is {@code host:port} (a DNS name, an IPv4 address or a bracketed IPv6 address, and a port
     * 1..65535), else why not.
     */
    public static String checkHostPort(String v) {
        String bad = "must be host:port (e.g. 127.0.0.1:6379), not \"" + v + "\"";
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) return bad;
        String host = v.substring(0, colon);
        String port = v.substring(colon + 1);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return "the port must be 1..65535, not \"" + port + "\"";
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || !host.substring(1, host.length() - 1).matches("[0-9a-fA-F:.]+")) return bad;
            return null;
        }
        if (!host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) return bad;
        return null;
    }

    /** Null when {@code td} is a SPIFFE trust domain name (lowercase letters, digits, '.', '-', '_'), else why not. */
    public static String checkTrustDomain(String td) {
        if (td.isEmpty()) return "must not be empty";
        if (td.length() > 255) return "must be at most 255 characters";
        if (!td.matches("[a-z0-9._-]+")) {
            return "must be a SPIFFE trust domain (lowercase letters, digits, '.', '-' and '_'), not \"" + td + "\"";
        }
        return null;
    }

    private static String checkPem(String pem) {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) return "must hold PEM certificates (-----BEGIN CERTIFICATE-----)";
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) return "holds no certificate";
        } catch (CertificateException e) {
            return "does not parse as PEM certificates: " + e.getMessage();
        }
        return null;
    }
}
