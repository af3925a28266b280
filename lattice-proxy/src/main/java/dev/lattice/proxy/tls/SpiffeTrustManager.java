package dev.lattice.proxy.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a peer's X.509-SVID as the SPIFFE spec says: the leaf has exactly one URI SAN, a SPIFFE ID; the chain
 * validates (PKIX: signatures, validity, CA constraints) against the roots of that ID's trust domain only, so a
 * certificate from a foreign domain, or from one domain's CA claiming another's ID, fails; and, when
 * {@code allowed} is not null, the ID is one of them. The JDK's validator does the checks; nothing is written here.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
    private final Map<String, Set<TrustAnchor>> anchors;
    private final Set<String> allowed;

    /** @param bundles roots per trust domain; @param allowed the SPIFFE IDs accepted, or null for any of those domains */
    SpiffeTrustManager(Map<String, List<X509Certificate>> bundles, Set<String> allowed) {
        java.util.HashMap<String, Set<TrustAnchor>> a = new java.util.HashMap<>();
        bundles.forEach((td, roots) -> {
            Set<TrustAnchor> s = new HashSet<>();
            for (X509Certificate r : roots) s.add(new TrustAnchor(r, null));
            a.put(td, Set.copyOf(s));
        });
        this.anchors = Map.copyOf(a);
        this.allowed = allowed == null ? null : Set.copyOf(allowed);
    }

    /** The SPIFFE ID of an SVID leaf, or an exception saying why it is not one. */
    static String spiffeId(X509Certificate leaf) throws CertificateException {
        var sans = leaf.getSubjectAlternativeNames();
        List<String> uris = new ArrayList<>();
        if (sans != null) {
            for (List<?> san : sans) {
                if (Integer.valueOf(6).equals(san.get(0))) uris.add(String.valueOf(san.get(1)));
            }
        }
        if (uris.size() != 1) throw new CertificateException("an X.509-SVID has exactly one URI SAN, this has " + uris.size());
        String id = uris.getFirst();
        if (!id.startsWith("spiffe://")) throw new CertificateException("the URI SAN " + id + " is not a SPIFFE ID");
        return id;
    }

    static String trustDomain(String spiffeId) {
        String rest = spiffeId.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("no certificate");
        String id = spiffeId(chain[0]);
        Set<TrustAnchor> roots = anchors.get(trustDomain(id));
        if (roots == null || roots.isEmpty()) {
            throw new CertificateException("the trust domain of " + id + " is not trusted");
        }
        if (allowed != null && !allowed.contains(id)) {
            throw new CertificateException(id + " is not an identity expected here");
        }
        try {
            List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
            // the anchor itself is not part of the path
            while (path.size() > 1 && isAnchor(roots, path.getLast())) path.removeLast();
            PKIXParameters params = new PKIXParameters(roots);
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (GeneralSecurityException e) {
            throw new CertificateException(id + ": " + e.getMessage(), e);
        }
    }

    private static boolean isAnchor(Set<TrustAnchor> roots, X509Certificate c) {
        for (TrustAnchor a : roots) if (a.getTrustedCert().equals(c)) return true;
        return false;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        List<X509Certificate> all = new ArrayList<>();
        anchors.values().forEach(s -> s.forEach(a -> all.add(a.getTrustedCert())));
        return all.toArray(X509Certificate[]::new);
    }
}
