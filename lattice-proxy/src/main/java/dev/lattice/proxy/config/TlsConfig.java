package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * TLS termination of a filter chain (Envoy's DownstreamTlsContext subset): inline PEM certificate chains with their
 * private keys, and the ALPN protocols offered (e.g. {@code h2}, {@code http/1.1}).
 */
public record TlsConfig(List<Certificate> certificates, List<String> alpnProtocols) {
    public TlsConfig {
        certificates = List.copyOf(requireNonNull(certificates, "certificates"));
        alpnProtocols = List.copyOf(requireNonNull(alpnProtocols, "alpnProtocols"));
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("tls: at least one certificate is required");
        }
    }

    /** One certificate chain (PEM, leaf first) and its private key (PEM: PKCS#1, PKCS#8 or SEC1). */
    public record Certificate(String certificateChainPem, String privateKeyPem) {
        public Certificate {
            requireNonNull(certificateChainPem, "certificateChainPem");
            requireNonNull(privateKeyPem, "privateKeyPem");
        }

        @Override
        public String toString() {
            // never print a private key
            return "Certificate[" + certificateChainPem.length() + " chars of PEM, private key hidden]";
        }
    }
}
