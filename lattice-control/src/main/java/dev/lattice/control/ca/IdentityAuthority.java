package dev.lattice.control.ca;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.MeshTrust;
import dev.lattice.model.MeshConfig;
import dev.lattice.model.MeshObject;
import dev.lattice.model.Models;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Secret;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mesh's identity: which CA signs (the one the control plane keeps in its state directory, or the Secret a
 * MeshConfig names), for which trust domain and lifetime, and which roots proxies trust. {@link #update} follows
 * the resources; a CA Secret that does not parse or whose key does not match is a problem, and the CA that signed
 * before keeps signing. The signing API ({@link #service()}) always sees the latest settings.
 */
public final class IdentityAuthority {
    private final MeshCa defaultCa;
    private final BootstrapTokens tokens = new BootstrapTokens();
    private final CertificateService service;
    private volatile CertificateService.Settings settings;
    private volatile MeshCa current;
    /** The Secret (as written) the current CA came from, or null for the default CA. */
    private ResourceKey currentSecret;
    private String currentSecretText;

    public IdentityAuthority(MeshCa defaultCa, Clock clock) {
        this.defaultCa = requireNonNull(defaultCa, "defaultCa");
        this.current = defaultCa;
        this.settings = new CertificateService.Settings(defaultCa, MeshConfig.DEFAULT_TRUST_DOMAIN, MeshConfig.DEFAULT_LIFETIME);
        this.service = new CertificateService(tokens, () -> settings, requireNonNull(clock, "clock"));
    }

    public BootstrapTokens tokens() {
        return tokens;
    }

    public CertificateService service() {
        return service;
    }

    /** The CA signing now. */
    public MeshCa ca() {
        return current;
    }

    /** What an update found: the trust to translate with and the problems to report. */
    public record Update(MeshTrust trust, List<Problem> problems) {
        public Update {
            requireNonNull(trust, "trust");
            problems = List.copyOf(problems);
        }
    }

    /** Applies the MeshConfig among {@code resources} (the oldest; another one is a problem) and its CA. */
    public synchronized Update update(List<Resource> resources) {
        List<Problem> problems = new ArrayList<>();
        List<Resource> configs = new ArrayList<>();
        Map<String, Resource> secrets = new LinkedHashMap<>();
        for (Resource r : resources) {
            if (r.kind().equals(MeshConfig.KIND) && r.apiVersion().equals("lattice.dev/v1alpha1")) configs.add(r);
            if (r.kind().equals(Secret.KIND)) secrets.put(r.namespace() + "/" + r.name(), r);
        }
        MeshConfig config = MeshConfig.DEFAULTS;
        List<MeshConfig> parsed = new ArrayList<>();
        Map<MeshConfig, Resource> from = new LinkedHashMap<>();
        for (Resource r : configs) {
            MeshObject o = Models.read(r).value();
            if (o instanceof MeshConfig m) {
                parsed.add(m);
                from.put(m, r);
            }
        }
        parsed.sort(Comparator.comparing((MeshConfig m) -> created(m)).thenComparing(m -> m.meta().name()));
        if (!parsed.isEmpty()) config = parsed.getFirst();
        for (MeshConfig extra : parsed.subList(Math.min(1, parsed.size()), parsed.size())) {
            Resource r = from.get(extra);
            problems.add(Problem.at(r.source(), r.key(), "", "a mesh has one MeshConfig; " + config.meta().name()
                    + " (the oldest) applies and this one is ignored"));
        }
        MeshCa ca = current;
        MeshConfig.SecretRef ref = config.caSecret();
        if (ref == null) {
            ca = defaultCa;
            currentSecret = null;
            currentSecretText = null;
        } else {
            Resource cfg = from.get(config);
            Resource sr = secrets.get(ref.namespace() + "/" + ref.name());
            if (sr == null) {
                problems.add(Problem.at(cfg.source(), cfg.key(), "spec.identity.ca.secretRef", "Secret " + ref.namespace()
                        + "/" + ref.name() + " not found; " + (currentSecret == null ? "the control plane's own CA" : "the CA from "
                        + currentSecret) + " keeps signing"));
            } else if (!sr.key().equals(currentSecret) || !sr.object().toString().equals(currentSecretText)) {
                try {
                    MeshObject o = Models.read(sr).value();
                    if (!(o instanceof Secret s)) throw new CaException("the Secret does not validate");
                    if (!s.type().equals(Secret.TLS)) throw new CaException("must be of type " + Secret.TLS + ", not " + s.type());
                    String crt = s.text(Secret.TLS_CRT);
                    String key = s.text(Secret.TLS_KEY);
                    if (crt == null || key == null) throw new CaException("needs tls.crt and tls.key");
                    ca = MeshCa.fromPem(crt, key);
                    currentSecret = sr.key();
                    currentSecretText = sr.object().toString();
                } catch (CaException e) {
                    problems.add(Problem.at(sr.source(), sr.key(), "data", "the mesh CA: " + e.getMessage() + "; "
                            + (currentSecret == null ? "the control plane's own CA" : "the CA from " + currentSecret)
                            + " keeps signing"));
                }
            }
        }
        current = ca;
        settings = new CertificateService.Settings(ca, config.trustDomain(), config.certificateLifetime());
        Map<String, String> bundles = new LinkedHashMap<>();
        bundles.put(config.trustDomain(), ca.rootPem());
        config.additionalBundles().forEach(b -> bundles.put(b.trustDomain(), b.pem()));
        return new Update(new MeshTrust(true, config.trustDomain(), bundles, config.mtlsMode()), problems);
    }

    private static String created(MeshConfig m) {
        String ts = m.meta().creationTimestamp();
        return ts.isEmpty() ? "~" : ts;
    }
}
