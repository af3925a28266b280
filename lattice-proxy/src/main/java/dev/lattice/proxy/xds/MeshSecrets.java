package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import dev.lattice.proxy.tls.PemParser;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SDS secrets of docs/xds.md "Secrets (SDS over ADS)": the one secret {@code ROOTCA}, a validation context whose
 * {@code custom_validator_config} is {@code envoy.tls.cert_validator.spiffe} with a {@code SPIFFECertValidatorConfig}
 * listing a trust bundle (inline PEM) per trust domain. Everything else is refused naming the secret and field; the
 * proxy's own certificate is never in xDS (its key never leaves it).
 */
public final class MeshSecrets {
    public static final String SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";

    private MeshSecrets() {}

    /** The trust bundles of a state-of-the-world Secret response (no ROOTCA: none), by trust domain. */
    public static Map<String, List<X509Certificate>> parse(List<Any> resources) throws XdsRejection {
        Map<String, List<X509Certificate>> bundles = new LinkedHashMap<>();
        boolean seen = false;
        for (Any a : resources) {
            Secret s = XdsResources.unpack("secret", "", a, Secret.class);
            String res = "secret " + (s.getName().isEmpty() ? "<unnamed>" : s.getName());
            if (!s.getName().equals(ListenerParser.SECRET_ROOTCA)) {
                throw new XdsRejection(res, "name: unsupported secret (supported: " + ListenerParser.SECRET_ROOTCA + ")");
            }
            if (seen) throw new XdsRejection(res, "name: given twice");
            seen = true;
            if (s.getTypeCase() != Secret.TypeCase.VALIDATION_CONTEXT) {
                throw new XdsRejection(res, "validation_context: required");
            }
            CertificateValidationContext v = s.getValidationContext();
            if (!v.hasCustomValidatorConfig() || !v.getCustomValidatorConfig().getName().equals(SPIFFE_VALIDATOR)
                    || !v.toBuilder().clearCustomValidatorConfig().build().equals(CertificateValidationContext.getDefaultInstance())) {
                throw new XdsRejection(res, "validation_context: only custom_validator_config " + SPIFFE_VALIDATOR
                        + " is supported");
            }
            SPIFFECertValidatorConfig cfg = XdsResources.unpack(res, "validation_context.custom_validator_config.typed_config",
                    v.getCustomValidatorConfig().getTypedConfig(), SPIFFECertValidatorConfig.class);
            for (int i = 0; i < cfg.getTrustDomainsCount(); i++) {
                SPIFFECertValidatorConfig.TrustDomain td = cfg.getTrustDomains(i);
                String p = "validation_context.custom_validator_config.typed_config.trust_domains[" + i + "]";
                if (td.getName().isEmpty()) throw new XdsRejection(res, p + ".name: must not be empty");
                String pem = ListenerParser.inline(res, p + ".trust_bundle", td.getTrustBundle());
                List<X509Certificate> roots;
                try {
                    roots = PemParser.certificates(pem);
                } catch (IllegalArgumentException e) {
                    throw new XdsRejection(res, p + ".trust_bundle: " + e.getMessage());
                }
                if (roots.isEmpty()) throw new XdsRejection(res, p + ".trust_bundle: no certificate in the PEM");
                if (bundles.putIfAbsent(td.getName(), roots) != null) {
                    throw new XdsRejection(res, p + ".name: trust domain " + td.getName() + " is given twice");
                }
            }
        }
        return bundles;
    }
}
