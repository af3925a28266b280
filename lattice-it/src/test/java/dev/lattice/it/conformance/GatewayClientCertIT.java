package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static dev.lattice.it.conformance.ConformanceMesh.WEB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's frontend client certificate tests (GatewayFrontendClientCertificateValidation and
 * ...InsecureFallback): gateway-with-clientcertificate-validation, gateway-with-clientcertificate-validation-insecure-fallback,
 * gateway-with-invalid-clientcertificate-validation and gateway-invalid-default-frontend-client-certificate-validation,
 * each with its own Gateway. Upstream's listeners on 443, 8443, 7443, 6443 and 80 are free ports here, and the
 * {@code perPort} entries name those ports.
 *
 * <p>Certificates are made with openssl for the run: the server's (example.org, second-example.org), and two CAs each
 * with a client certificate (upstream's tls-validity-checks-client-certificate and -per-port-client-certificate);
 * the CAs sit in ConfigMaps under {@code ca.crt}. The client is the JDK's, which (like upstream's Go client) always
 * sends the certificate it holds, whatever issuers the server names.
 */
class GatewayClientCertIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert server;
    static Client client;
    static Client perPortClient;

    /** A client certificate and key in a PKCS#12 file (password changeit). */
    record Client(Path p12) {}

    static String configMap(String ns, String name, String caPem) {
        StringBuilder b = new StringBuilder("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: "
                + ns + "}\ndata:\n  ca.crt: |\n");
        for (String line : caPem.strip().split("\n")) b.append("    ").append(line).append('\n');
        return b.toString();
    }

    static String https(String name, String port, String hostname) {
        return "  - name: " + name + "\n    port: " + port + "\n" + (hostname == null ? "" : "    hostname: " + hostname + "\n")
                + """
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
                """;
    }

    static String route(String name, String gateway, String sectionName, String hostname, String backend) {
        return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name
                + ", namespace: gateway-conformance-infra}\nspec:\n  parentRefs: [{name: " + gateway
                + (sectionName == null ? "" : ", sectionName: " + sectionName) + "}]\n"
                + (hostname == null ? "" : "  hostnames: [" + hostname + "]\n")
                + "  rules: [{backendRefs: [{name: " + backend + ", port: 8080}]}]\n";
    }

    static String yaml(String ca, String perPortCa) {
        return server.secret(INFRA, "tls-validity-checks-certificate")
                + configMap(INFRA, "tls-validity-checks-ca-certificate", ca)
                + configMap(INFRA, "tls-validity-checks-per-port-ca-certificate", perPortCa)
                + configMap(WEB, "web-backend-cm", ca)
                // gateway-with-clientcertificate-validation
                + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: client-validation-default, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-ca-certificate}]
                      perPort:
                      - port: ${PORT2}
                        tls:
                          validation:
                            caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-per-port-ca-certificate}]
                  listeners:
                """ + https("https", "${PORT1}", null) + https("https-with-hostname", "${PORT2}", "second-example.org")
                + route("client-certificate-validation-https-test", "client-validation-default", null, "example.org", "infra-backend-v1")
                + route("client-certificate-validation-https-test-no-hostname", "client-validation-default", "https-with-hostname",
                        null, "infra-backend-v2")
                // gateway-with-clientcertificate-validation-insecure-fallback
                + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: client-validation-insecure-fallback, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          mode: AllowInsecureFallback
                          caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-ca-certificate}]
                      perPort:
                      - port: ${PORT4}
                        tls:
                          validation:
                            mode: AllowInsecureFallback
                            caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-per-port-ca-certificate}]
                  listeners:
                """ + https("https", "${PORT3}", null) + https("https-with-hostname", "${PORT4}", "second-example.org")
                + route("client-cert-validation-insecure-fallback-test", "client-validation-insecure-fallback", null, "example.org",
                        "infra-backend-v1")
                + route("client-cert-validation-insecure-fallback-test-no-hostname", "client-validation-insecure-fallback",
                        "https-with-hostname", null, "infra-backend-v2")
                // gateway-with-invalid-clientcertificate-validation
                + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-with-invalid-client-cert-validation, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-ca-certificate}]
                      perPort:
                      - port: ${PORT6}
                        tls:
                          validation:
                            caCertificateRefs: [{kind: ConfigMap, group: "", name: non-exisitng-cm}]
                      - port: ${PORT7}
                        tls:
                          validation:
                            caCertificateRefs: [{kind: Service, group: "", name: infra-backend-v2}]
                      - port: ${PORT8}
                        tls:
                          validation:
                            caCertificateRefs: [{kind: ConfigMap, group: "", name: web-backend-cm, namespace: gateway-conformance-web-backend}]
                  listeners:
                """ + https("https", "${PORT5}", null) + https("https-unresolved", "${PORT6}", "first-example.org")
                + https("https-invalid-kind", "${PORT7}", "second-example.org")
                + https("https-grant-missing", "${PORT8}", "fourth-example.org")
                + route("misconfigured-client-certificate-validation-https-test", "client-validation-invalid", null, "example.org",
                        "infra-backend-v1")
                // gateway-invalid-default-frontend-client-certificate-validation
                + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: invalid-default-client-validation-config, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  tls:
                    frontend:
                      default:
                        validation:
                          caCertificateRefs: [{kind: ConfigMap, group: "", name: does-not-exist}]
                      perPort:
                      - port: ${PORT10}
                        tls:
                          validation:
                            caCertificateRefs: [{kind: ConfigMap, group: "", name: tls-validity-checks-per-port-ca-certificate}]
                  listeners:
                """ + https("https", "${PORT9}", null)
                + """
                  - name: http
                    port: ${PORT10}
                    protocol: HTTP
                    allowedRoutes: {namespaces: {from: Same}}
                """
                + route("invalid-default-client-validation-config", "invalid-default-client-validation-config", null, "example.org",
                        "infra-backend-v1");
    }

    /** A CA (self-signed, CA:TRUE) and a client certificate it signs, with the client's PKCS#12. */
    static String caAndClient(String name, Client[] out) throws Exception {
        TlsTestSupport.openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name + "-ca",
                "-keyout", name + "-ca.key", "-out", name + "-ca.crt");
        TlsTestSupport.openssl(certs, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name + "-client",
                "-keyout", name + ".key", "-out", name + ".csr");
        TlsTestSupport.openssl(certs, "x509", "-req", "-in", name + ".csr", "-CA", name + "-ca.crt", "-CAkey", name + "-ca.key",
                "-CAcreateserial", "-days", "2", "-out", name + ".crt");
        TlsTestSupport.openssl(certs, "pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:changeit");
        out[0] = new Client(certs.resolve(name + ".p12"));
        return Files.readString(certs.resolve(name + "-ca.crt"));
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        server = TlsTestSupport.selfSigned(certs, "server", "tls-validity-checks", "example.org", "second-example.org",
                "first-example.org", "fourth-example.org");
        Client[] one = new Client[1];
        String ca = caAndClient("client", one);
        client = one[0];
        String perPortCa = caAndClient("per-port-client", one);
        perPortClient = one[0];
        c = ConformanceMesh.start(yaml(ca, perPortCa));
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        TlsTestSupport.deleteTree(certs);
    }

    /** The answer of one GET / over TLS (SNI = Host = host), trusting only the server's certificate. */
    record Answer(int status, String backend) {}

    /**
     * One HTTPS request with this client certificate (null: none). Throws when the handshake or the exchange fails
     * (with TLS 1.3 a refused client certificate shows as an alert on the first read).
     */
    static Answer request(int port, String host, Client cert) throws Exception {
        KeyManager[] kms = null;
        if (cert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(cert.p12())) {
                ks.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("NewSunX509");
            kmf.init(ks, "changeit".toCharArray());
            kms = new KeyManager[] {new AlwaysSend((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, new TrustManager[] {TlsTestSupport.trusting(server.x509())}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(params);
            s.startHandshake();
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (all.length() < 12) throw new IOException("short answer via :" + port + " (" + host + "): " + all);
            int status = Integer.parseInt(all.substring(9, 12));
            int bodyAt = all.indexOf("\r\n\r\n");
            String body = bodyAt < 0 ? "" : all.substring(bodyAt + 4);
            String backend = status == 200 ? Mesh.JSON.readTree(body).path("name").asText() : "";
            return new Answer(status, backend);
        }
    }

    /** Whether the request fails (handshake refused, connection closed, or no port). */
    static boolean fails(int port, String host, Client cert) {
        try {
            request(port, host, cert);
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    /** Upstream's MakeTLSRequestAndExpectEventuallyConsistentResponse: 200 from {@code backend}, three times in a row. */
    void expectServed(int port, String host, Client cert, String backend) throws Exception {
        c.mesh.await(backend + " answering https://" + host + "/ via :" + port + (cert == null ? " without" : " with")
                + " a client certificate", Duration.ofSeconds(60), () -> {
            Answer a = request(port, host, cert);
            return a.status() == 200 && a.backend().equals(backend);
        });
        for (int i = 0; i < 3; i++) {
            Answer a = request(port, host, cert);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.backend()).isEqualTo(backend);
        }
    }

    /** Upstream's MakeTLSRequestAndExpectEventuallyConsistentFailureResponse: the request fails, three times in a row. */
    void expectRefused(int port, String host, Client cert) {
        c.mesh.await("https://" + host + "/ via :" + port + " refused", Duration.ofSeconds(30), () -> fails(port, host, cert));
        for (int i = 0; i < 3; i++) assertThat(fails(port, host, cert)).as("request %d via :%d", i, port).isTrue();
    }

    static JsonNode listener(JsonNode gateway, String name) {
        for (JsonNode l : gateway.path("status").path("listeners")) {
            if (l.path("name").asText().equals(name)) return l;
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    static boolean has(JsonNode conditions, String type, String status, String reason) {
        for (JsonNode cond : conditions) {
            if (cond.path("type").asText().equals(type) && cond.path("status").asText().equals(status)
                    && (reason == null || cond.path("reason").asText().equals(reason))) return true;
        }
        return false;
    }

    /** Upstream's GatewayListenerMustHaveConditions: ResolvedRefs, Accepted and Programmed (reason null: any). */
    void awaitListener(String gateway, String name, String resolvedRefs, String resolvedReason, String accepted,
                       String acceptedReason, String programmed) {
        c.mesh.await(gateway + " listener " + name + " ResolvedRefs=" + resolvedRefs + " " + resolvedReason + ", Accepted="
                + accepted + " " + acceptedReason + ", Programmed=" + programmed, Duration.ofSeconds(30), () -> {
            JsonNode conds = listener(c.resource("Gateway", INFRA, gateway), name).path("conditions");
            return has(conds, "ResolvedRefs", resolvedRefs, resolvedReason) && has(conds, "Accepted", accepted, acceptedReason)
                    && has(conds, "Programmed", programmed, null);
        });
    }

    /** Upstream's GatewayAndRoutesMustBeAccepted plus HTTPRouteMustHaveResolvedRefsConditionsTrue. */
    void awaitGatewayAndRoutes(String gateway, String... routes) {
        c.mesh.await(gateway + " Accepted and Programmed", Duration.ofSeconds(60), () -> {
            JsonNode conds = c.resource("Gateway", INFRA, gateway).path("status").path("conditions");
            return has(conds, "Accepted", "True", null) && has(conds, "Programmed", "True", null);
        });
        for (String r : routes) {
            c.awaitRouteCondition("HTTPRoute", INFRA, r, gateway, "Accepted", "True", "Accepted");
            c.awaitRouteCondition("HTTPRoute", INFRA, r, gateway, "ResolvedRefs", "True", "ResolvedRefs");
        }
    }

    @Test
    void frontendClientCertificateValidationDefaultAndPerPort() throws Exception {
        awaitGatewayAndRoutes("client-validation-default", "client-certificate-validation-https-test",
                "client-certificate-validation-https-test-no-hostname");
        // default configuration: the default CA's client is served, the per-port CA's client is refused
        expectServed(c.port("PORT1"), "example.org", client, "infra-backend-v1");
        expectRefused(c.port("PORT1"), "example.org", perPortClient);
        expectRefused(c.port("PORT1"), "example.org", null);
        // per-port configuration: the other way round
        expectServed(c.port("PORT2"), "second-example.org", perPortClient, "infra-backend-v2");
        expectRefused(c.port("PORT2"), "second-example.org", client);
        expectRefused(c.port("PORT2"), "second-example.org", null);
    }

    @Test
    void insecureFallbackServesEveryClient() throws Exception {
        String gw = "client-validation-insecure-fallback";
        awaitGatewayAndRoutes(gw, "client-cert-validation-insecure-fallback-test",
                "client-cert-validation-insecure-fallback-test-no-hostname");
        c.mesh.await(gw + " InsecureFrontendValidationMode=True ConfigurationChanged", Duration.ofSeconds(30),
                () -> has(c.resource("Gateway", INFRA, gw).path("status").path("conditions"), "InsecureFrontendValidationMode",
                        "True", "ConfigurationChanged"));
        for (Client cert : new Client[] {client, perPortClient, null}) {
            expectServed(c.port("PORT3"), "example.org", cert, "infra-backend-v1");
            expectServed(c.port("PORT4"), "second-example.org", cert, "infra-backend-v2");
        }
    }

    @Test
    void invalidClientCertificateValidationOnlyAffectsItsListeners() {
        String gw = "gateway-with-invalid-client-cert-validation";
        awaitListener(gw, "https", "True", null, "True", null, "True");
        awaitListener(gw, "https-unresolved", "False", "InvalidCACertificateRef", "False", "NoValidCACertificate", "False");
        awaitListener(gw, "https-invalid-kind", "False", "InvalidCACertificateKind", "False", "NoValidCACertificate", "False");
        awaitListener(gw, "https-grant-missing", "False", "RefNotPermitted", "False", "NoValidCACertificate", "False");
        // beyond upstream: a listener without a valid CA serves nothing
        for (String[] l : new String[][] {{"PORT6", "first-example.org"}, {"PORT7", "second-example.org"},
                {"PORT8", "fourth-example.org"}}) {
            expectRefused(c.port(l[0]), l[1], client);
        }
    }

    @Test
    void invalidDefaultConfigurationOnlyAffectsHttps() throws Exception {
        String gw = "invalid-default-client-validation-config";
        // the HTTP listener is untouched by the (per-port) frontend configuration of its port
        awaitListener(gw, "http", "True", null, "True", null, "True");
        c.awaitBackend(c.port("PORT10"), "example.org", "/", java.util.Map.of(), "infra-backend-v1");
        awaitListener(gw, "https", "False", "InvalidCACertificateRef", "False", "NoValidCACertificate", "False");
        expectRefused(c.port("PORT9"), "example.org", null);
        expectRefused(c.port("PORT9"), "example.org", client);
    }

    /** Offers its one certificate even when the server's certificate_authorities do not name its issuer (as Go's client). */
    private static final class AlwaysSend extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;

        AlwaysSend(X509ExtendedKeyManager d) {
            this.d = d;
        }

        private String alias() {
            String[] all = d.getClientAliases("RSA", null);
            return all == null || all.length == 0 ? null : all[0];
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias();
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, null);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }
}
