package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.ConfigMap;
import dev.lattice.model.Gateway;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Secret;
import java.io.ByteArrayInputStream;
import java.security.KeyFactory;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a Gateway listener's certificateRefs to PEM certificates: kind, ReferenceGrant, existence, and PEM that
 * parses (X.509 chain; PKCS#8, PKCS#1 RSA or SEC1 EC key). Every failure is a listener condition, never an exception.
 */
final class Secrets {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    /** The certificates, or the ResolvedRefs reason (InvalidCertificateRef, RefNotPermitted), message and ref index. */
    record Resolution(List<Ir.Certificate> certificates, String reason, String message, int badRef) {
        Resolution {
            certificates = List.copyOf(certificates);
        }

        boolean resolved() {
            return reason == null;
        }
    }

    private Secrets() {}

    static Resolution resolve(Gateway g, Gateway.Tls tls, MeshIndex index) {
        return resolve(g.meta().namespace(), Gateway.KIND, tls, index);
    }

    /**
     * A listener's certificateRefs, the listener declared by a {@code ownerKind} (Gateway or ListenerSet) in
     * {@code gwNs}: a Secret elsewhere needs a ReferenceGrant from that kind.
     */
    static Resolution resolve(String gwNs, String ownerKind, Gateway.Tls tls, MeshIndex index) {
        List<Ir.Certificate> out = new ArrayList<>();
        for (int j = 0; j < tls.certificateRefs().size(); j++) {
            Gateway.CertificateRef ref = tls.certificateRefs().get(j);
            String ns = ref.namespace() == null ? gwNs : ref.namespace();
            String what = (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + " " + ns + "/" + ref.name();
            if (!ref.isSecret()) {
                return fail("InvalidCertificateRef", "certificateRef " + what + ": only core Secrets are supported", j);
            }
            if (!ns.equals(gwNs) && !index.granted(HttpRoute.GROUP, ownerKind, gwNs, "", Secret.KIND, ns, ref.name())) {
                return fail("RefNotPermitted", "certificateRef to Secret " + ns + "/" + ref.name()
                        + " is not permitted: no ReferenceGrant in namespace " + ns + " allows " + ownerKind + "s from " + gwNs, j);
            }
            Secret s = index.secrets.get(ns + "/" + ref.name());
            if (s == null) return fail("InvalidCertificateRef", "Secret " + ns + "/" + ref.name() + " not found (or not valid)", j);
            if (!s.type().equals(Secret.TLS)) {
                return fail("InvalidCertificateRef", "Secret " + ns + "/" + ref.name() + " has type " + s.type()
                        + ", not " + Secret.TLS, j);
            }
            String crt = s.text(Secret.TLS_CRT);
            String key = s.text(Secret.TLS_KEY);
            String bad = checkChain(crt);
            if (bad == null) bad = checkKey(key);
            if (bad != null) return fail("InvalidCertificateRef", "Secret " + ns + "/" + ref.name() + ": " + bad, j);
            out.add(new Ir.Certificate(crt, key));
        }
        return new Resolution(out, null, null, -1);
    }

    /**
     * Resolves a Gateway's spec.tls.backend.clientCertificateRef: a core Secret (else InvalidClientCertificateRef), in
     * another namespace only with a ReferenceGrant (else RefNotPermitted), that exists and is a kubernetes.io/tls
     * Secret whose certificate and key parse (else InvalidClientCertificateRef). The one certificate, or the failure.
     */
    static Resolution resolveClientCertificate(Gateway g, Gateway.CertificateRef ref, MeshIndex index) {
        String gwNs = g.meta().namespace();
        String ns = ref.namespace() == null ? gwNs : ref.namespace();
        String what = (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + " " + ns + "/" + ref.name();
        String invalid = "InvalidClientCertificateRef";
        if (!ref.isSecret()) return fail(invalid, "clientCertificateRef " + what + ": only core Secrets are supported", 0);
        if (!ns.equals(gwNs) && !index.granted(HttpRoute.GROUP, Gateway.KIND, gwNs, "", Secret.KIND, ns, ref.name())) {
            return fail("RefNotPermitted", "clientCertificateRef to Secret " + ns + "/" + ref.name()
                    + " is not permitted: no ReferenceGrant in namespace " + ns + " allows Gateways from " + gwNs, 0);
        }
        Secret s = index.secrets.get(ns + "/" + ref.name());
        if (s == null) return fail(invalid, "clientCertificateRef: Secret " + ns + "/" + ref.name() + " not found (or not valid)", 0);
        if (!s.type().equals(Secret.TLS)) {
            return fail(invalid, "clientCertificateRef: Secret " + ns + "/" + ref.name() + " has type " + s.type()
                    + ", not " + Secret.TLS, 0);
        }
        String crt = s.text(Secret.TLS_CRT);
        String key = s.text(Secret.TLS_KEY);
        String bad = checkChain(crt);
        if (bad == null) bad = checkKey(key);
        if (bad != null) return fail(invalid, "clientCertificateRef: Secret " + ns + "/" + ref.name() + ": " + bad, 0);
        return new Resolution(List.of(new Ir.Certificate(crt, key)), null, null, -1);
    }

    /** A frontend caCertificateRef that does not resolve: its index, ResolvedRefs reason and message. */
    record BadCaRef(int index, String reason, String message) {}

    /** The trusted CA bundle (PEM of every valid ref, null when none is valid) and the refs that do not resolve. */
    record CaResolution(String trustedCaPem, List<BadCaRef> bad) {
        CaResolution {
            bad = List.copyOf(bad);
        }
    }

    /**
     * Resolves a Gateway's frontend validation caCertificateRefs: a core ConfigMap or Secret (else
     * InvalidCACertificateKind) with PEM certificates under {@code ca.crt} (else InvalidCACertificateRef), in another
     * namespace only with a ReferenceGrant (else RefNotPermitted).
     */
    static CaResolution resolveCa(Gateway g, Gateway.Validation v, MeshIndex index) {
        String gwNs = g.meta().namespace();
        StringBuilder pem = new StringBuilder();
        List<BadCaRef> bad = new ArrayList<>();
        for (int j = 0; j < v.caCertificateRefs().size(); j++) {
            Gateway.CertificateRef ref = v.caCertificateRefs().get(j);
            String ns = ref.namespace() == null ? gwNs : ref.namespace();
            String what = (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + " " + ns + "/" + ref.name();
            boolean configMap = ref.group().isEmpty() && ref.kind().equals(ConfigMap.KIND);
            if (!configMap && !ref.isSecret()) {
                bad.add(new BadCaRef(j, "InvalidCACertificateKind", "caCertificateRef " + what
                        + ": unsupported kind (a core ConfigMap or Secret with " + ConfigMap.CA_CRT + ")"));
                continue;
            }
            if (!ns.equals(gwNs) && !index.granted(HttpRoute.GROUP, Gateway.KIND, gwNs, "", ref.kind(), ns, ref.name())) {
                bad.add(new BadCaRef(j, "RefNotPermitted", "caCertificateRef to " + what
                        + " is not permitted: no ReferenceGrant in namespace " + ns + " allows Gateways from " + gwNs));
                continue;
            }
            String ca;
            if (configMap) {
                ConfigMap c = index.configMaps.get(ns + "/" + ref.name());
                if (c == null) {
                    bad.add(new BadCaRef(j, "InvalidCACertificateRef", "caCertificateRef " + what + " not found (or not valid)"));
                    continue;
                }
                ca = c.data().get(ConfigMap.CA_CRT);
            } else {
                Secret sec = index.secrets.get(ns + "/" + ref.name());
                if (sec == null) {
                    bad.add(new BadCaRef(j, "InvalidCACertificateRef", "caCertificateRef " + what + " not found (or not valid)"));
                    continue;
                }
                ca = sec.text(ConfigMap.CA_CRT);
            }
            String problem = ca == null ? "has no key " + ConfigMap.CA_CRT : checkCertificates(ca, ConfigMap.CA_CRT);
            if (problem != null) {
                bad.add(new BadCaRef(j, "InvalidCACertificateRef", "caCertificateRef " + what + ": " + problem));
                continue;
            }
            pem.append(ca.endsWith("\n") ? ca : ca + "\n");
        }
        return new CaResolution(pem.isEmpty() ? null : pem.toString(), bad);
    }

    private static Resolution fail(String reason, String message, int ref) {
        return new Resolution(List.of(), reason, message, ref);
    }

    /** Null when {@code pem} holds one or more X.509 certificates (and only those), else what is wrong. */
    static String checkChain(String pem) {
        if (pem == null) return Secret.TLS_CRT + " is missing";
        return checkCertificates(pem, Secret.TLS_CRT);
    }

    /** Null when {@code pem} holds one or more X.509 certificates (and only those), else what is wrong with {@code key}. */
    static String checkCertificates(String pem, String key) {
        Matcher m = PEM.matcher(pem);
        int n = 0;
        while (m.find()) {
            n++;
            if (!m.group(1).equals("CERTIFICATE")) return key + ": unexpected PEM block " + m.group(1);
            try {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            } catch (CertificateException | RuntimeException e) {
                return key + " does not parse as an X.509 certificate (block " + n + "): " + e.getMessage();
            }
        }
        return n == 0 ? key + " is not a PEM certificate" : null;
    }

    /** Null when {@code pem} holds a private key Lattice can serve, else what is wrong. */
    static String checkKey(String pem) {
        if (pem == null) return Secret.TLS_KEY + " is missing";
        Matcher m = PEM.matcher(pem);
        if (!m.find()) return Secret.TLS_KEY + " is not a PEM private key";
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            return Secret.TLS_KEY + ": bad base64 in the PEM block";
        }
        switch (type) {
            case "PRIVATE KEY" -> {
                for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448")) {
                    try {
                        KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                        return null;
                    } catch (Exception e) {
                        // try the next algorithm
                    }
                }
                return Secret.TLS_KEY + " does not parse as a PKCS#8 RSA, EC or EdDSA private key";
            }
            case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                return der.length > 2 && der[0] == 0x30 ? null : Secret.TLS_KEY + " does not parse as a " + type;
            }
            default -> {
                return Secret.TLS_KEY + ": unsupported PEM block " + type + " (encrypted keys are not supported)";
            }
        }
    }
}
