package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * TLS termination of a filter chain (Envoy's DownstreamTlsContext subset): inline PEM certificate chains with their
 * private keys, and the ALPN protocols offered (e.g. {@code h2}, {@code http/1.1}).
 */
public record TlsConfig(List<Certificate> certificates, List<String> alpnProtocols, ClientValidation clientValidation) {
    /** Without client certificate validation. */
    public TlsConfig(List<Certificate> certificates, List<String> alpnProtocols) {
        this(certificates, alpnProtocols, null);
    }

    /**
     * Client certificates (Envoy's require_client_certificate and validation_context): the trusted CA bundle (PEM);
     * {@code required}: a client without a certificate fails the handshake; {@code acceptUntrusted}: a certificate
     * that does not chain to the CA is accepted anyway (trust_chain_verification ACCEPT_UNTRUSTED).
     */
    public record ClientValidation(String trustedCaPem, boolean required, boolean acceptUntrusted) {
        public ClientValidation {
            requireNonNull(trustedCaPem, "trustedCaPem");
        }
    }

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
