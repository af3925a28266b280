package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A cluster's {@code transport_socket} {@code envoy.transport_sockets.tls} (UpstreamTlsContext): the proxy opens TLS
 * to the cluster's endpoints with {@code sni} as server name, trusting {@code trustedCaPem} (PEM certificates; null:
 * the system's trust store) and accepting a peer whose certificate has a subject alternative name matched by one of
 * {@code subjectAltNames} (empty: no name check, as Envoy). {@code clientCertificate} (null: none) is presented when
 * the upstream asks for a client certificate (a Gateway's spec.tls.backend.clientCertificateRef).
 */
public record UpstreamTlsConfig(String sni, String trustedCaPem, List<SanMatcher> subjectAltNames,
                                ClientCertificate clientCertificate) {
    public enum SanType { DNS, URI }

    /** A client certificate: PEM chain (leaf first) and PEM private key. */
    public record ClientCertificate(String chainPem, String keyPem) {
        public ClientCertificate {
            requireNonNull(chainPem, "chainPem");
            requireNonNull(keyPem, "keyPem");
        }

        @Override
        public String toString() {
            return "ClientCertificate[" + chainPem.length() + " chars of chain, key hidden]";
        }
    }

    /** Without a client certificate. */
    public UpstreamTlsConfig(String sni, String trustedCaPem, List<SanMatcher> subjectAltNames) {
        this(sni, trustedCaPem, subjectAltNames, null);
    }

    /** An exact SAN: a DNS name (a certificate's wildcard {@code *.example.com} covers one label) or a URI. */
    public record SanMatcher(SanType type, String value) {
        public SanMatcher {
            requireNonNull(type, "type");
            requireNonNull(value, "value");
        }
    }

    public UpstreamTlsConfig {
        subjectAltNames = List.copyOf(requireNonNull(subjectAltNames, "subjectAltNames"));
    }
}
