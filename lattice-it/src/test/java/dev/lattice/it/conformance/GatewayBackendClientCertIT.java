package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.WEB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's Gateway backend client certificate conformance tests: gateway-tls-backend-client-certificate (the Gateway's
 * spec.tls.backend.clientCertificateRef is presented on the TLS connection a BackendTLSPolicy makes) and
 * gateway-invalid-tls-backend-configuration (ResolvedRefs=False InvalidClientCertificateRef / RefNotPermitted, Accepted
 * stays True).
 *
 * <p>Upstream's {@code tls-backend-with-client-cert-validation} is echo-basic with TLS_CLIENT_CACERTS: here a TLS
 * server in the test JVM that requires a client certificate, trusts only the {@code tls-checks-client-certificate}
 * Secret's certificate, and answers with the SHA-256 of the certificate it was shown (upstream's request carries the
 * expected client certificate and the echo compares). Beyond upstream: a Gateway without the field routing to the same
 * backend is refused by it (503), and one whose ref is in another namespace with a ReferenceGrant presents it.
 */
class GatewayBackendClientCertIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert backendCert;
    static TlsTestSupport.Cert clientCert;
    static SSLServerSocket backend;

    static final String GW = "gateway-tls-backend-client-certificate";

    static String gateway(String name, String port, String ref) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: http, port: ${@PORT@}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
                """.replace("@NAME@", name).replace("@PORT@", port)
                + (ref == null ? "" : "  tls:\n    backend:\n      clientCertificateRef: " + ref + "\n");
    }

    static String route(String name, String gateway) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: @NAME@, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: @GW@, namespace: gateway-conformance-infra}]
                  hostnames: [abc.example.com]
                  rules:
                  - matches: [{path: {type: Exact, value: /}}]
                    backendRefs: [{group: "", kind: Service, name: tls-backend-with-client-cert-validation, port: 443}]
                """.replace("@NAME@", name).replace("@GW@", gateway);
    }

    static String yaml() {
        StringBuilder y = new StringBuilder();
        // gateway-tls-backend-client-certificate.yaml
        y.append(gateway(GW, "SAME", "{group: \"\", kind: Secret, name: tls-checks-client-certificate}"));
        y.append(route(GW, GW));
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: gateway-tls-backend-client-certificate-test, namespace: gateway-conformance-infra}
                spec:
                  targetRefs: [{group: "", kind: Service, name: tls-backend-with-client-cert-validation}]
                  validation:
                    caCertificateRefs: [{group: "", kind: ConfigMap, name: tls-checks-ca-certificate}]
                    hostname: abc.example.com
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend-with-client-cert-validation, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend-with-client-cert-validation}
                  ports: [{name: https, protocol: TCP, port: 443, targetPort: https}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata:
                  name: tls-backend-with-client-cert-validation
                  namespace: gateway-conformance-infra
                  labels: {app: tls-backend-with-client-cert-validation}
                spec:
                  ports: [{name: https, port: @B@}]
                  sidecar: {inject: false}
                """.replace("@B@", String.valueOf(backend.getLocalPort())));
        y.append("---\n").append(clientCert.secret(INFRA, "tls-checks-client-certificate"));
        y.append(BackendTlsPolicyIT.configMap("tls-checks-ca-certificate", backendCert.crtPem()));
        // gateway-invalid-tls-backend-configuration.yaml
        y.append(gateway("gateway-client-certificate-nonexistent-secret", "PORT1",
                "{group: \"\", kind: Secret, name: nonexistent-certificate}"));
        y.append(gateway("gateway-client-certificate-unsupported-group", "PORT2",
                "{group: wrong.group.company.io, kind: Secret, name: tls-checks-client-certificate}"));
        y.append(gateway("gateway-client-certificate-unsupported-kind", "PORT3",
                "{group: \"\", kind: WrongKind, name: tls-checks-client-certificate}"));
        y.append(gateway("gateway-client-certificate-malformed-secret", "PORT4",
                "{group: \"\", kind: Secret, name: malformed-client-certificate}"));
        y.append("""
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: malformed-client-certificate, namespace: gateway-conformance-infra}
                data: {}
                type: Opaque
                """);
        y.append(gateway("gateway-client-certificate-missing-reference-grant", "PORT5",
                "{group: \"\", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}"));
        y.append("---\n").append(clientCert.secret(WEB, "certificate"));
        // beyond upstream: no client certificate at all, and one in another namespace with a ReferenceGrant
        y.append(gateway("gateway-without-client-certificate", "PORT6", null));
        y.append(route("without-client-certificate", "gateway-without-client-certificate"));
        y.append(gateway("gateway-client-certificate-granted", "PORT7",
                "{group: \"\", kind: Secret, name: granted-certificate, namespace: gateway-conformance-web-backend}"));
        y.append(route("client-certificate-granted", "gateway-client-certificate-granted"));
        y.append("---\n").append(clientCert.secret(WEB, "granted-certificate"));
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: gateways-may-use-granted-certificate, namespace: gateway-conformance-web-backend}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway-conformance-infra}]
                  to: [{group: "", kind: Secret, name: granted-certificate}]
                """);
        return y.toString();
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        backendCert = TlsTestSupport.selfSigned(certs, "tls-checks", "abc.example.com", "abc.example.com");
        clientCert = TlsTestSupport.selfSigned(certs, "tls-checks-client", "gateway-client.example.com",
                "gateway-client.example.com");
        backend = mtlsBackend(backendCert, clientCert);
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
        c.mesh.await("the client-certificate TLS backend through the gateway", java.time.Duration.ofSeconds(90),
                () -> ConformanceMesh.get(c.port("SAME"), "abc.example.com", "/").status() == 200);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        if (backend != null) backend.close();
        TlsTestSupport.deleteTree(certs);
    }

    // ---- gateway-tls-backend-client-certificate ----

    @Test
    void theGatewayPresentsItsClientCertificateToTheTlsBackend() throws Exception {
        awaitGatewayCondition(GW, "Accepted", "True", "Accepted");
        awaitGatewayCondition(GW, "Programmed", "True", null);
        awaitGatewayCondition(GW, "ResolvedRefs", "True", "ResolvedRefs");
        c.awaitRouteCondition("HTTPRoute", INFRA, GW, GW, "Accepted", "True", "Accepted");
        c.awaitRouteCondition("HTTPRoute", INFRA, GW, GW, "ResolvedRefs", "True", "ResolvedRefs");
        awaitPolicyAccepted(GW);
        expectServedWithClientCertificate(c.port("SAME"));
    }

    // ---- gateway-invalid-tls-backend-configuration ----

    @Test
    void aNonexistentSecretIsInvalidClientCertificateRef() throws Exception {
        expectInvalid("gateway-client-certificate-nonexistent-secret", "InvalidClientCertificateRef");
    }

    @Test
    void anUnsupportedGroupIsInvalidClientCertificateRef() throws Exception {
        expectInvalid("gateway-client-certificate-unsupported-group", "InvalidClientCertificateRef");
    }

    @Test
    void anUnsupportedKindIsInvalidClientCertificateRef() throws Exception {
        expectInvalid("gateway-client-certificate-unsupported-kind", "InvalidClientCertificateRef");
    }

    @Test
    void aMalformedSecretIsInvalidClientCertificateRef() throws Exception {
        expectInvalid("gateway-client-certificate-malformed-secret", "InvalidClientCertificateRef");
    }

    @Test
    void aSecretInAnotherNamespaceWithoutReferenceGrantIsRefNotPermitted() throws Exception {
        expectInvalid("gateway-client-certificate-missing-reference-grant", "RefNotPermitted");
    }

    // ---- beyond upstream ----

    @Test
    void withoutAClientCertificateTheBackendRefusesTheGateway() throws Exception {
        awaitGatewayCondition("gateway-without-client-certificate", "Accepted", "True", "Accepted");
        assertThat(condition("gateway-without-client-certificate", "ResolvedRefs")).as("no spec.tls.backend: no condition").isNull();
        awaitPolicyAccepted("gateway-without-client-certificate");
        int port = c.port("PORT6");
        c.mesh.await("503 without a client certificate", ConformanceMesh.WAIT,
                () -> ConformanceMesh.get(port, "abc.example.com", "/").status() == 503);
        for (int i = 0; i < 3; i++) {
            ConformanceMesh.Reply r = ConformanceMesh.get(port, "abc.example.com", "/");
            assertThat(r.status()).as(r.toString()).isEqualTo(503);
            assertThat(r.body()).doesNotContain("client-sha256=");
        }
    }

    @Test
    void aClientCertificateInAnotherNamespaceWithReferenceGrantIsPresented() throws Exception {
        awaitGatewayCondition("gateway-client-certificate-granted", "ResolvedRefs", "True", "ResolvedRefs");
        awaitGatewayCondition("gateway-client-certificate-granted", "Accepted", "True", "Accepted");
        expectServedWithClientCertificate(c.port("PORT7"));
    }

    // ---- helpers ----

    void expectInvalid(String gateway, String reason) throws Exception {
        awaitGatewayCondition(gateway, "ResolvedRefs", "False", reason);
        awaitGatewayCondition(gateway, "Accepted", "True", "Accepted");
        // upstream's GatewayMustHaveLatestConditions: every condition is of the current generation
        JsonNode gw = c.resource("Gateway", INFRA, gateway);
        long generation = gw.path("metadata").path("generation").asLong(1);
        for (JsonNode cond : gw.path("status").path("conditions")) {
            assertThat(cond.path("observedGeneration").asLong()).as(gateway + " " + cond).isEqualTo(generation);
        }
    }

    /** Upstream's eventually consistent 200, then three more, each with the Secret's certificate seen by the backend. */
    void expectServedWithClientCertificate(int port) throws Exception {
        String want = "client-sha256=" + sha256(clientCert.x509());
        c.mesh.await("200 with the client certificate via :" + port, ConformanceMesh.WAIT,
                () -> ConformanceMesh.get(port, "abc.example.com", "/").body().equals(want));
        for (int i = 0; i < 3; i++) {
            ConformanceMesh.Reply r = ConformanceMesh.get(port, "abc.example.com", "/");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(want);
        }
    }

    JsonNode condition(String gateway, String type) throws IOException {
        for (JsonNode cond : c.resource("Gateway", INFRA, gateway).path("status").path("conditions")) {
            if (cond.path("type").asText().equals(type)) return cond;
        }
        return null;
    }

    /** Upstream's GatewayMustHaveCondition (reason null: any). */
    void awaitGatewayCondition(String gateway, String type, String status, String reason) {
        c.mesh.await("Gateway " + gateway + " " + type + "=" + status + " " + reason, ConformanceMesh.WAIT, () -> {
            JsonNode cond = condition(gateway, type);
            return cond != null && cond.path("status").asText().equals(status)
                    && (reason == null || cond.path("reason").asText().equals(reason));
        });
    }

    /** Upstream's BackendTLSPolicyMustHaveAcceptedConditionTrue for the Gateway's ancestor entry. */
    void awaitPolicyAccepted(String gateway) {
        c.mesh.await("BackendTLSPolicy Accepted for " + gateway, ConformanceMesh.WAIT, () -> {
            for (JsonNode a : c.resource("BackendTLSPolicy", INFRA, "gateway-tls-backend-client-certificate-test")
                    .path("status").path("ancestors")) {
                if (!a.path("ancestorRef").path("name").asText().equals(gateway)) continue;
                for (JsonNode cond : a.path("conditions")) {
                    if (cond.path("type").asText().equals("Accepted") && cond.path("status").asText().equals("True")) return true;
                }
            }
            return false;
        });
    }

    static String sha256(X509Certificate cert) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    }

    /**
     * Upstream's tls-backend-with-client-cert-validation: a TLS server on 127.0.0.1 serving {@code serverCert} that
     * requires a client certificate and trusts only {@code trustedClient}; per connection it reads one request head
     * and answers {@code client-sha256=<SHA-256 of the client certificate it was shown>}. A handshake without a
     * (trusted) client certificate fails, so nothing is answered.
     */
    static SSLServerSocket mtlsBackend(TlsTestSupport.Cert serverCert, TlsTestSupport.Cert trustedClient) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(serverCert.p12())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("client", trustedClient.x509());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        server.setNeedClientAuth(true);
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().name("tls-backend-with-client-cert-validation").start(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.setSoTimeout(10_000);
                        SSLSocket ssl = (SSLSocket) s;
                        ssl.startHandshake();
                        X509Certificate peer = (X509Certificate) ssl.getSession().getPeerCertificates()[0];
                        TlsTestSupport.answer(s.getInputStream(), s.getOutputStream(), "client-sha256=" + sha256(peer));
                    } catch (Exception e) {
                        // no or an untrusted client certificate, or the client went away
                    }
                });
            }
        });
        return server;
    }
}
