package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.WEB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's certificateRef conformance tests: gateway-secret-missing-reference-grant,
 * gateway-secret-invalid-reference-grant, gateway-secret-reference-grant-specific,
 * gateway-secret-reference-grant-all-in-namespace (a listener's certificate Secret in another namespace:
 * ResolvedRefs=False RefNotPermitted unless a ReferenceGrant there allows Gateways from the listener's namespace) and
 * gateway-invalid-tls-configuration (a Secret that does not exist, a ref of another group or kind, a Secret whose PEM
 * does not parse: ResolvedRefs=False InvalidCertificateRef).
 *
 * <p>Upstream applies each test's manifests alone. A ReferenceGrant names the namespace it allows, not the Gateway,
 * so here the two granting tests add their grant to the running mesh and take it away again (each test leaves the
 * mesh as it found it), and the RefNotPermitted tests wait for the state without a grant. Beyond upstream's status
 * checks, every test also looks at the port: an unprogrammed listener serves nothing, a granted one serves the
 * Secret's certificate.
 */
class GatewaySecretIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert webCert;
    static TlsTestSupport.Cert infraCert;

    static String yaml() {
        return webCert.secret(WEB, "certificate") + "---\n"
                + infraCert.secret(INFRA, "tls-validity-checks-certificate") + """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: malformed-certificate, namespace: gateway-conformance-infra}
                type: kubernetes.io/tls
                data: {tls.crt: SGVsbG8gd29ybGQK, tls.key: SGVsbG8gd29ybGQK}
                """
                + gateway("gateway-secret-missing-reference-grant", "${PORT1}",
                        "{group: \"\", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}")
                + gateway("gateway-secret-invalid-reference-grant", "${PORT2}",
                        "{group: \"\", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}")
                + gateway("gateway-secret-reference-grant-specific", "${PORT3}",
                        "{group: \"\", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}")
                + gateway("gateway-secret-reference-grant-all-in-namespace", "${PORT4}",
                        "{group: \"\", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}")
                + gateway("gateway-certificate-nonexistent-secret", "${PORT5}",
                        "{group: \"\", kind: Secret, name: nonexistent-certificate}")
                + gateway("gateway-certificate-unsupported-group", "${PORT6}",
                        "{group: wrong.group.company.io, kind: Secret, name: tls-validity-checks-certificate}")
                + gateway("gateway-certificate-unsupported-kind", "${PORT7}",
                        "{group: \"\", kind: WrongKind, name: tls-validity-checks-certificate}")
                + gateway("gateway-certificate-malformed-secret", "${PORT8}",
                        "{group: \"\", kind: Secret, name: malformed-certificate}")
                // gateway-secret-invalid-reference-grant: grants that each miss in one respect
                + grant("reference-grant-wrong-namespace", "gateway-conformance-app-backend",
                        "gateway.networking.k8s.io", "Gateway", INFRA, "\"\"", "Secret", "certificate")
                + grant("reference-grant-wrong-from-group", WEB,
                        "not-the-group-youre-looking-for", "Gateway", INFRA, "\"\"", "Secret", "certificate")
                + grant("reference-grant-wrong-from-kind", WEB,
                        "gateway.networking.k8s.io", "HTTPRoute", INFRA, "\"\"", "Secret", "certificate")
                + grant("reference-grant-wrong-from-namespace", WEB,
                        "gateway.networking.k8s.io", "Gateway", "not-the-namespace-youre-looking-for", "\"\"", "Secret", "certificate")
                + grant("reference-grant-wrong-to-group", WEB,
                        "gateway.networking.k8s.io", "Gateway", INFRA, "not-the-group-youre-looking-for", "Secret",
                        "not-the-certificate-youre-looking-for")
                + grant("reference-grant-wrong-to-kind", WEB,
                        "gateway.networking.k8s.io", "Gateway", INFRA, "\"\"", "Service", "certificate")
                + grant("reference-grant-wrong-to-name", WEB,
                        "gateway.networking.k8s.io", "Gateway", INFRA, "\"\"", "Secret", "not-the-certificate-youre-looking-for");
    }

    static String gateway(String name, String port, String certificateRef) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: https
                    port: @PORT@
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: All}}
                    tls: {certificateRefs: [@REF@]}
                """.replace("@NAME@", name).replace("@PORT@", port).replace("@REF@", certificateRef);
    }

    static String grant(String name, String ns, String fromGroup, String fromKind, String fromNs, String toGroup,
                        String toKind, String toName) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ReferenceGrant
                metadata: {name: @NAME@, namespace: @NS@}
                spec:
                  from: [{group: @FGROUP@, kind: @FKIND@, namespace: @FNS@}]
                  to: [{group: @TGROUP@, kind: @TKIND@@TONAME@}]
                """.replace("@NAME@", name).replace("@FGROUP@", fromGroup).replace("@FKIND@", fromKind)
                .replace("@FNS@", fromNs).replace("@NS@", ns).replace("@TGROUP@", toGroup).replace("@TKIND@", toKind)
                .replace("@TONAME@", toName == null ? "" : ", name: " + toName);
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        webCert = TlsTestSupport.selfSigned(certs, "certificate", "certificate.web-backend", "example.org", "*.example.org");
        infraCert = TlsTestSupport.selfSigned(certs, "validity", "tls-validity-checks", "example.org", "*.org");
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        TlsTestSupport.deleteTree(certs);
    }

    static JsonNode listener(JsonNode gateway, String name) {
        for (JsonNode l : gateway.path("status").path("listeners")) {
            if (l.path("name").asText().equals(name)) return l;
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    static boolean hasCondition(JsonNode conditions, String type, String status, String reason) {
        for (JsonNode cond : conditions) {
            if (cond.path("type").asText().equals(type) && cond.path("status").asText().equals(status)
                    && (reason == null || cond.path("reason").asText().equals(reason))) return true;
        }
        return false;
    }

    /** Upstream's expected listener: only listener "https", supportedKinds has HTTPRoute, attachedRoutes 0. */
    static boolean httpsListenerShape(JsonNode gw) {
        JsonNode listeners = gw.path("status").path("listeners");
        if (listeners.size() != 1) return false;
        JsonNode l = listener(gw, "https");
        boolean httpRoute = false;
        for (JsonNode k : l.path("supportedKinds")) {
            httpRoute |= k.path("kind").asText().equals("HTTPRoute") && k.path("group").asText().equals("gateway.networking.k8s.io");
        }
        return httpRoute && l.path("attachedRoutes").asInt(-1) == 0;
    }

    /** Waits until the Gateway's https listener has ResolvedRefs=False with this reason and is not programmed. */
    void awaitRefFailure(String gateway, String reason) {
        c.mesh.await(gateway + " listener https ResolvedRefs=False " + reason, Duration.ofSeconds(30), () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gateway);
            JsonNode conds = listener(gw, "https").path("conditions");
            return httpsListenerShape(gw) && hasCondition(conds, "ResolvedRefs", "False", reason)
                    && hasCondition(conds, "Programmed", "False", "Invalid")
                    && hasCondition(gw.path("status").path("conditions"), "Programmed", "False", null);
        });
    }

    /** Waits until the Gateway's https listener is ResolvedRefs=True and Programmed=True, and serves the Secret's certificate. */
    void awaitGrantedAndServing(String gateway, int port) {
        c.mesh.await(gateway + " listener https ResolvedRefs=True Programmed=True", Duration.ofSeconds(30), () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gateway);
            JsonNode conds = listener(gw, "https").path("conditions");
            return httpsListenerShape(gw) && hasCondition(conds, "ResolvedRefs", "True", null)
                    && hasCondition(conds, "Programmed", "True", "Programmed");
        });
        c.mesh.await(gateway + " serving the web-backend certificate on :" + port, Duration.ofSeconds(30),
                () -> TlsTestSupport.exchange(port, "example.org", webCert.x509(), null).peer().equals(webCert.x509()));
        // no route is attached: the TLS chain's connection manager answers, but no backend
        TlsTestSupport.Exchange e = exchangeQuietly(port);
        assertThat(e).isNotNull();
        assertThat(e.status()).as(e.body()).isIn(404, 421);
    }

    static TlsTestSupport.Exchange exchangeQuietly(int port) {
        try {
            return TlsTestSupport.exchange(port, "example.org", webCert.x509(), "example.org");
        } catch (Exception e) {
            return null;
        }
    }

    /** Adds a resource file to the running mesh (written whole, then moved into place). */
    Path addFile(String name, String yaml) throws IOException {
        Path tmp = c.mesh.dir.resolve(name + ".tmp");
        Path file = c.mesh.dir.resolve(name + ".yaml");
        Files.writeString(tmp, yaml.strip() + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    @Test
    void missingReferenceGrantIsRefNotPermitted() {
        awaitRefFailure("gateway-secret-missing-reference-grant", "RefNotPermitted");
        assertThat(TlsTestSupport.rejected(c.port("PORT1"), "example.org")).isTrue();
    }

    @Test
    void referenceGrantThatDoesNotCoverTheSecretIsRefNotPermitted() {
        awaitRefFailure("gateway-secret-invalid-reference-grant", "RefNotPermitted");
        assertThat(TlsTestSupport.rejected(c.port("PORT2"), "example.org")).isTrue();
    }

    @Test
    void referenceGrantForTheSpecificSecretResolvesAndServesIt() throws Exception {
        String gw = "gateway-secret-reference-grant-specific";
        awaitRefFailure(gw, "RefNotPermitted");
        Path file = addFile("zz-reference-grant-specific", grant("reference-grant-specific", WEB,
                "gateway.networking.k8s.io", "Gateway", INFRA, "\"\"", "Secret", "certificate"));
        try {
            awaitGrantedAndServing(gw, c.port("PORT3"));
        } finally {
            Files.deleteIfExists(file);
        }
        // taking the grant away takes the certificate away again
        awaitRefFailure(gw, "RefNotPermitted");
        c.mesh.await("no TLS on :" + c.port("PORT3") + " once the grant is gone", Duration.ofSeconds(30),
                () -> TlsTestSupport.rejected(c.port("PORT3"), "example.org"));
    }

    @Test
    void referenceGrantForAllSecretsInTheNamespaceResolvesAndServes() throws Exception {
        String gw = "gateway-secret-reference-grant-all-in-namespace";
        awaitRefFailure(gw, "RefNotPermitted");
        Path file = addFile("zz-reference-grant-all-in-namespace", grant("reference-grant-all-in-namespace", WEB,
                "gateway.networking.k8s.io", "Gateway", INFRA, "\"\"", "Secret", null));
        try {
            awaitGrantedAndServing(gw, c.port("PORT4"));
        } finally {
            Files.deleteIfExists(file);
        }
        awaitRefFailure(gw, "RefNotPermitted");
    }

    @Test
    void invalidTlsConfigurationIsInvalidCertificateRef() {
        String[][] cases = {
            {"gateway-certificate-nonexistent-secret", "PORT5"},
            {"gateway-certificate-unsupported-group", "PORT6"},
            {"gateway-certificate-unsupported-kind", "PORT7"},
            {"gateway-certificate-malformed-secret", "PORT8"},
        };
        for (String[] k : cases) {
            awaitRefFailure(k[0], "InvalidCertificateRef");
            assertThat(TlsTestSupport.rejected(c.port(k[1]), "example.org")).as(k[0] + " serves nothing").isTrue();
        }
    }
}
