package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's BackendTLSPolicy conformance tests: backendtlspolicy (normative, host mismatch, cert mismatch, re-encrypt
 * through an HTTPS listener, ConfigMap reconciliation), backendtlspolicy-san, backendtlspolicy-invalid-ca-certificate-ref,
 * backendtlspolicy-invalid-kind, backendtlspolicy-conflict-resolution, backendtlspolicy-observed-generation-bump and
 * backendtlspolicy-grpcroute (a grpc-java server over TLS in the test JVM, one GRPCRoute method per Service) and
 * backendtlspolicy-tlsroute-terminate (a TLSRoute on a Terminate listener re-encrypts to the backend).
 *
 * <p>Upstream's {@code tls-backend} serves a certificate signed by the {@code tls-checks-ca-certificate} ConfigMap's CA
 * (abc.example.com, other.example.com, and a URI SAN for the SAN tests); here it is a TLS server in the test JVM whose
 * self-signed openssl certificate (those SANs) is its own CA, behind a Workload without sidecar, and it answers with
 * the SNI it was asked for. Every Service of the upstream manifests selects it. Upstream's host-mismatch request uses
 * Host abc.example.org (which no route hostname matches); here it is abc.example.com, so the failure is the TLS check's.
 */
class BackendTlsPolicyIT {
    static final String URI_SAN = "spiffe://abc.example.com/test-identity";
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert backendCert;
    static TlsTestSupport.Cert mismatchCert;
    static TlsTestSupport.Cert listenerCert;
    static TlsTestSupport.Cert terminateCert;
    static SSLServerSocket backend;
    /** The app of a Workload with a sidecar (beyond upstream: BackendTLSPolicy in the mesh). */
    static SSLServerSocket meshedBackend;
    /** Upstream's grpc backend behind TLS: a grpc-java server in the test JVM with the tls-checks certificate. */
    static io.grpc.Server grpcBackend;
    static io.grpc.ManagedChannel grpcChannel;
    static final io.grpc.MethodDescriptor<com.google.protobuf.Struct, com.google.protobuf.Struct> ECHO_THREE =
            dev.lattice.testkit.EchoGrpc.ECHO.toBuilder().setFullMethodName("lattice.echo.v1.Echo/EchoThree").build();
    static int same;
    static int https;

    /** Every upstream Service name of these tests, each with port btls 443 to the TLS backend. */
    static final List<String> SERVICES = List.of("backendtlspolicy-test", "backendtlspolicy-host-mismatch-test",
            "backendtlspolicy-cert-mismatch-test", "backendtlspolicy-reconcile-test", "backendtlspolicy-san-dns-test",
            "backendtlspolicy-san-dns-mismatch-test", "backendtlspolicy-san-uri-test", "backendtlspolicy-san-uri-mismatch-test",
            "backendtlspolicy-multiple-sans-test", "backendtlspolicy-multiple-mismatch-sans-test",
            "backendtlspolicy-nonexistent-ca-certificate-ref-test", "backendtlspolicy-malformed-ca-certificate-ref-test",
            "backendtlspolicy-invalid-kind-test", "backendtlspolicy-conflicted-without-section-name-test",
            "backendtlspolicy-conflicted-with-section-name-test", "backendtlspolicy-not-conflicted-test",
            "backendtlspolicy-observed-generation-bump-test");

    /** A self-signed RSA certificate with DNS and URI SANs (TlsTestSupport's has DNS names only). */
    static TlsTestSupport.Cert cert(String name, String cn, String sans) throws Exception {
        TlsTestSupport.openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                "-addext", "subjectAltName=" + sans, "-keyout", name + ".key", "-out", name + ".crt");
        TlsTestSupport.openssl(certs, "pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:changeit");
        return new TlsTestSupport.Cert(Files.readString(certs.resolve(name + ".crt")), Files.readString(certs.resolve(name + ".key")),
                certs.resolve(name + ".p12"));
    }

    static String configMap(String name, String pem) {
        StringBuilder y = new StringBuilder("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + INFRA
                + "}\n");
        if (pem == null) return y.append("data: {}\n").toString();
        y.append("data:\n  ca.crt: |\n");
        for (String line : pem.strip().split("\n")) y.append("    ").append(line).append('\n');
        return y.toString();
    }

    static String policy(String name, String service, String sectionName, String caRef, String hostname, String extra) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: @NAME@, namespace: gateway-conformance-infra@TS@}
                spec:
                  targetRefs: [{group: "", kind: Service, name: @SVC@@SECTION@}]
                  validation:
                    caCertificateRefs: [@CA@]
                    hostname: @HOST@
                """.replace("@NAME@", name).replace("@SVC@", service).replace("@TS@", "")
                .replace("@SECTION@", sectionName == null ? "" : ", sectionName: " + sectionName)
                .replace("@CA@", caRef).replace("@HOST@", hostname) + (extra == null ? "" : extra);
    }

    static final String CA = "{group: \"\", kind: ConfigMap, name: tls-checks-ca-certificate}";

    static String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: same-namespace, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - {name: http, port: ${SAME}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
                  # the GRPCRoute's own listener: an HTTPRoute and a GRPCRoute may not share a hostname on one
                  - {name: grpc, port: ${PORT2}, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: same-namespace-with-https-listener, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: https
                    port: ${PORT1}
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{name: tls-validity-checks-certificate}]}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend, namespace: gateway-conformance-infra, labels: {app: tls-backend}}
                spec:
                  ports: [{name: tls, port: @B@}]
                  sidecar: {inject: false}
                """.replace("@B@", String.valueOf(backend.getLocalPort())));
        y.append("""
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: grpc-tls-backend, namespace: gateway-conformance-infra, labels: {app: grpc-tls-backend}}
                spec:
                  ports: [{name: grpc, port: @G@}]
                  sidecar: {inject: false}
                """.replace("@G@", String.valueOf(grpcBackend.getPort())));
        // backendtlspolicy-grpcroute.yaml: one GRPCRoute, a method per Service (Echo, EchoTwo, EchoThree)
        for (String[] g : new String[][] {{"grpc-normative-test", "abc.example.com", "tls-checks-ca-certificate"},
                {"grpc-host-mismatch", "mismatch.example.com", "tls-checks-ca-certificate"},
                {"grpc-cert-mismatch", "abc.example.com", "mismatch-ca-certificate"}}) {
            y.append("""
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: @S@, namespace: gateway-conformance-infra}
                    spec:
                      selector: {app: grpc-tls-backend}
                      ports: [{name: grpc, protocol: TCP, port: 443, targetPort: grpc, appProtocol: kubernetes.io/h2c}]
                    """.replace("@S@", g[0]));
            y.append(policy(g[0], g[0], "grpc", "{group: \"\", kind: ConfigMap, name: " + g[2] + "}", g[1], null));
        }
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: backendtlspolicy-grpcroute, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra, sectionName: grpc}]
                  hostnames: [abc.example.com]
                  rules:
                  - matches: [{method: {service: lattice.echo.v1.Echo, method: Echo}}]
                    backendRefs: [{name: grpc-normative-test, port: 443}]
                  - matches: [{method: {service: lattice.echo.v1.Echo, method: EchoTwo}}]
                    backendRefs: [{name: grpc-host-mismatch, port: 443}]
                  - matches: [{method: {service: lattice.echo.v1.Echo, method: EchoThree}}]
                    backendRefs: [{name: grpc-cert-mismatch, port: 443}]
                """);
        y.append("---\n").append(listenerCert.secret(INFRA, "tls-validity-checks-certificate"));
        // beyond upstream: a client's sidecar to a TLS backend that has a sidecar too
        y.append("""
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend-meshed, namespace: gateway-conformance-infra, labels: {app: tls-backend-meshed}}
                spec:
                  ports: [{name: tls, port: @M@}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: mesh-tls-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend-meshed}
                  ports: [{name: btls, protocol: TCP, port: 443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: client, namespace: gateway-conformance-infra, labels: {app: client}}
                spec:
                  ports: [{name: http, port: ${PORT5}}]
                  sidecar: {outboundPort: ${PORT4}}
                """.replace("@M@", String.valueOf(meshedBackend.getLocalPort())));
        y.append(policy("mesh-tls", "mesh-tls-backend", "btls", CA, "abc.example.com", null));
        // backendtlspolicy-tlsroute-terminate.yaml
        y.append("---\n").append(terminateCert.secret(INFRA, "tls-terminate-checks-certificate"));
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-btls-tlsroute-terminate, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: tls-terminate
                    port: ${PORT3}
                    protocol: TLS
                    hostname: tls.example.com
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls: {mode: Terminate, certificateRefs: [{name: tls-terminate-checks-certificate}]}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: TLSRoute
                metadata: {name: backendtlspolicy-tlsroute-terminate, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: gateway-btls-tlsroute-terminate, namespace: gateway-conformance-infra}]
                  hostnames: [tls.example.com]
                  rules: [{backendRefs: [{name: btls-terminate-tls-backend, port: 8443}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: btls-terminate-tls-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend}
                  ports: [{name: btls, protocol: TCP, port: 8443, targetPort: tls}]
                """);
        y.append(policy("btls-tlsroute-terminate-test", "btls-terminate-tls-backend", "btls", CA, "abc.example.com", null));
        y.append(configMap("tls-checks-ca-certificate", backendCert.crtPem()));
        y.append(configMap("mismatch-ca-certificate", mismatchCert.crtPem()));
        y.append(configMap("malformed-ca-certificate", null));
        for (String s : SERVICES) {
            y.append("""
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: @S@, namespace: gateway-conformance-infra}
                    spec:
                      selector: {app: tls-backend}
                      ports:
                      - {name: btls, protocol: TCP, port: 443, targetPort: tls}
                      - {name: https-1, protocol: TCP, port: 8443, targetPort: tls}
                    """.replace("@S@", s));
        }
        // one HTTPRoute per Service (a route has at most 16 rules): Exact /<service without -test>
        for (String s : SERVICES) {
            String path = s.substring(0, s.length() - "-test".length());
            int port = s.contains("conflicted-with-section-name") || s.contains("not-conflicted") ? 8443 : 443;
            y.append("""
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: @PATH@, namespace: gateway-conformance-infra}
                    spec:
                      parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra, sectionName: http}]
                      hostnames: [abc.example.com]
                      rules:
                      - matches: [{path: {type: Exact, value: /@PATH@}}]
                        backendRefs: [{name: @S@, port: @PORT@}]
                    """.replace("@PATH@", path).replace("@S@", s).replace("@PORT@", String.valueOf(port)));
            if (s.contains("not-conflicted")) {
                // the whole-Service policy applies on port 443, the sectionName one on https-1 (8443)
                y.append("  - matches: [{path: {type: Exact, value: /backendtlspolicy-not-conflicted-without-section-name}}]\n"
                        + "    backendRefs: [{name: backendtlspolicy-not-conflicted-test, port: 443}]\n");
            }
        }
        y.append("""
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: backendtlspolicy-reencrypt, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, namespace: gateway-conformance-infra}]
                  hostnames: [https-listener.org]
                  rules:
                  - matches: [{path: {type: Exact, value: /backendtlspolicy}}]
                    backendRefs: [{name: backendtlspolicy-test, port: 443}]
                """);
        // backendtlspolicy.yaml
        y.append(policy("normative-test", "backendtlspolicy-test", "btls", CA, "abc.example.com", null));
        y.append(policy("host-mismatch", "backendtlspolicy-host-mismatch-test", "btls", CA, "mismatch.example.com", null));
        y.append(policy("cert-mismatch", "backendtlspolicy-cert-mismatch-test", "btls",
                "{group: \"\", kind: ConfigMap, name: mismatch-ca-certificate}", "abc.example.com", null));
        y.append(policy("reconcile-test", "backendtlspolicy-reconcile-test", "btls", CA, "abc.example.com", null));
        // backendtlspolicy-san.yaml
        y.append(policy("san-dns", "backendtlspolicy-san-dns-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: Hostname, hostname: other.example.com}]\n"));
        y.append(policy("san-dns-mismatch", "backendtlspolicy-san-dns-mismatch-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: Hostname, hostname: mismatch.example.com}]\n"));
        y.append(policy("san-uri", "backendtlspolicy-san-uri-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: URI, uri: \"" + URI_SAN + "\"}]\n"));
        y.append(policy("san-uri-mismatch", "backendtlspolicy-san-uri-mismatch-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: URI, uri: \"spiffe://mismatch.example.com/test-identity\"}]\n"));
        y.append(policy("multiple-sans", "backendtlspolicy-multiple-sans-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: Hostname, hostname: mismatch.example.com}, {type: URI, uri: \"" + URI_SAN + "\"}]\n"));
        y.append(policy("multiple-mismatch-sans", "backendtlspolicy-multiple-mismatch-sans-test", "btls", CA, "abc.example.com",
                "    subjectAltNames: [{type: Hostname, hostname: mismatch.example.com}, "
                        + "{type: URI, uri: \"spiffe://mismatch.example.com/test-identity\"}]\n"));
        // backendtlspolicy-invalid-ca-certificate-ref.yaml, backendtlspolicy-invalid-kind.yaml
        y.append(policy("nonexistent-ca-certificate-ref", "backendtlspolicy-nonexistent-ca-certificate-ref-test", "btls",
                "{group: \"\", kind: ConfigMap, name: nonexistent-ca-certificate}", "abc.example.com", null));
        y.append(policy("malformed-ca-certificate-ref", "backendtlspolicy-malformed-ca-certificate-ref-test", "btls",
                "{group: \"\", kind: ConfigMap, name: malformed-ca-certificate}", "abc.example.com", null));
        y.append(policy("invalid-kind", "backendtlspolicy-invalid-kind-test", "btls",
                "{group: invalid.io, kind: InvalidKind, name: tls-checks-ca-certificate}", "abc.example.com", null));
        // backendtlspolicy-conflict-resolution.yaml: the -1 policies are older (created first upstream)
        y.append(policy("conflicted-without-section-name-1", "backendtlspolicy-conflicted-without-section-name-test", null, CA,
                "other.example.com", null).replace("namespace: gateway-conformance-infra}",
                "namespace: gateway-conformance-infra, creationTimestamp: \"2024-01-01T00:00:00Z\"}"));
        y.append(policy("conflicted-without-section-name-2", "backendtlspolicy-conflicted-without-section-name-test", null, CA,
                "mismatch.example.com", null).replace("namespace: gateway-conformance-infra}",
                "namespace: gateway-conformance-infra, creationTimestamp: \"2024-01-02T00:00:00Z\"}"));
        y.append(policy("conflicted-with-section-name-1", "backendtlspolicy-conflicted-with-section-name-test", "https-1", CA,
                "other.example.com", null).replace("namespace: gateway-conformance-infra}",
                "namespace: gateway-conformance-infra, creationTimestamp: \"2024-01-01T00:00:00Z\"}"));
        y.append(policy("conflicted-with-section-name-2", "backendtlspolicy-conflicted-with-section-name-test", "https-1", CA,
                "mismatch.example.com", null).replace("namespace: gateway-conformance-infra}",
                "namespace: gateway-conformance-infra, creationTimestamp: \"2024-01-02T00:00:00Z\"}"));
        y.append(policy("not-conflicted-with-section-name", "backendtlspolicy-not-conflicted-test", "https-1", CA,
                "other.example.com", null));
        y.append(policy("not-conflicted-without-section-name", "backendtlspolicy-not-conflicted-test", null, CA,
                "abc.example.com", null));
        // backendtlspolicy-observed-generation-bump.yaml
        y.append(policy("observed-generation-bump", "backendtlspolicy-observed-generation-bump-test", "btls", CA,
                "abc.example.com", null));
        return y.toString();
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        backendCert = cert("tls-checks", "abc.example.com", "DNS:abc.example.com,DNS:other.example.com,URI:" + URI_SAN);
        mismatchCert = cert("mismatch", "abc.example.com", "DNS:abc.example.com,DNS:other.example.com");
        listenerCert = TlsTestSupport.selfSigned(certs, "validity", "https-listener.org", "https-listener.org");
        terminateCert = TlsTestSupport.selfSigned(certs, "terminate", "tls.example.com", "tls.example.com");
        backend = TlsTestSupport.tlsBackend(backendCert, "tls-backend", INFRA);
        grpcBackend = grpcTlsBackend();
        meshedBackend = TlsTestSupport.tlsBackend(backendCert, "tls-backend-meshed", INFRA);
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
        same = c.port("SAME");
        https = c.port("PORT1");
        // the first config under load: wait for one route to serve over TLS
        c.mesh.await("the TLS backend through the gateway", java.time.Duration.ofSeconds(90),
                () -> ConformanceMesh.get(same, "abc.example.com", "/backendtlspolicy").status() == 200);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        if (backend != null) backend.close();
        if (meshedBackend != null) meshedBackend.close();
        if (grpcChannel != null) grpcChannel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        if (grpcBackend != null) grpcBackend.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        TlsTestSupport.deleteTree(certs);
    }

    // ---- status (upstream's BackendTLSPolicyMustHaveCondition: the condition under the Gateway's ancestor entry) ----

    JsonNode condition(String policy, String gateway, String type) throws IOException {
        for (JsonNode a : c.resource("BackendTLSPolicy", INFRA, policy).path("status").path("ancestors")) {
            JsonNode ref = a.path("ancestorRef");
            if (!ref.path("name").asText().equals(gateway) || !ref.path("namespace").asText().equals(INFRA)) continue;
            for (JsonNode cond : a.path("conditions")) {
                if (cond.path("type").asText().equals(type)) return cond;
            }
        }
        return null;
    }

    void awaitCondition(String policy, String type, String status, String reason) {
        awaitCondition(policy, "same-namespace", type, status, reason);
    }

    void awaitCondition(String policy, String gateway, String type, String status, String reason) {
        c.mesh.await("BackendTLSPolicy " + policy + " ancestor " + gateway + " " + type + "=" + status + " " + reason,
                ConformanceMesh.WAIT, () -> {
                    JsonNode cond = condition(policy, gateway, type);
                    return cond != null && cond.path("status").asText().equals(status)
                            && (reason == null || cond.path("reason").asText().equals(reason));
                });
    }

    void awaitAcceptedAndResolved(String policy) {
        awaitCondition(policy, "Accepted", "True", "Accepted");
        awaitCondition(policy, "ResolvedRefs", "True", "ResolvedRefs");
    }

    // ---- traffic ----

    /** Upstream's eventually consistent 200: waits for it, then three more in a row, each with the SNI the backend saw. */
    void expectServed(String path, String sni) {
        String want = "name=tls-backend namespace=" + INFRA + " sni=" + sni;
        c.mesh.await(path + " served over TLS with SNI " + sni, ConformanceMesh.WAIT,
                () -> ConformanceMesh.get(same, "abc.example.com", path).body().equals(want));
        for (int i = 0; i < 3; i++) {
            ConformanceMesh.Reply r = ConformanceMesh.get(same, "abc.example.com", path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(200);
            assertThat(r.body()).isEqualTo(want);
        }
    }

    /** Upstream's MakeRequestAndExpectFailure / a 5xx: the request never gets the backend's answer. */
    void expectFailure(String path) {
        c.mesh.await(path + " fails with 5xx", ConformanceMesh.WAIT,
                () -> ConformanceMesh.get(same, "abc.example.com", path).status() >= 500);
        for (int i = 0; i < 3; i++) {
            ConformanceMesh.Reply r = ConformanceMesh.get(same, "abc.example.com", path);
            assertThat(r.status()).as(path + ": " + r).isIn(500, 502, 503);
            assertThat(r.body()).doesNotContain("name=tls-backend");
        }
    }

    // ---- backendtlspolicy ----

    @Test
    void httpRequestToAServiceWithAValidPolicySucceedsOverTls() throws Exception {
        awaitAcceptedAndResolved("normative-test");
        expectServed("/backendtlspolicy", "abc.example.com");
        // the cluster as the admin API shows the gateway's xDS (docs/xds.md, "Cluster: upstream TLS")
        JsonNode xds = c.mesh.adminJson("/api/v1/xds?node=gateway~" + INFRA + "~same-namespace");
        JsonNode cluster = null;
        for (JsonNode cl : xds.path("clusters")) {
            if (cl.path("name").asText().equals(INFRA + "/backendtlspolicy-test/443")) cluster = cl;
        }
        assertThat(cluster).as(xds.toString()).isNotNull();
        JsonNode tls = cluster.path("transportSocket").path("typedConfig");
        assertThat(tls.path("sni").asText()).as(cluster.toString()).isEqualTo("abc.example.com");
        JsonNode v = tls.path("commonTlsContext").path("validationContext");
        assertThat(v.path("trustedCa").path("inlineString").asText()).isEqualTo(backendCert.crtPem());
        assertThat(v.path("matchTypedSubjectAltNames").get(0).path("matcher").path("exact").asText()).isEqualTo("abc.example.com");
    }

    @Test
    void mismatchedHostnameFails() {
        awaitAcceptedAndResolved("host-mismatch");
        expectFailure("/backendtlspolicy-host-mismatch");
    }

    @Test
    void mismatchedCertificateFails() {
        awaitAcceptedAndResolved("cert-mismatch");
        expectFailure("/backendtlspolicy-cert-mismatch");
    }

    @Test
    void reencryptThroughAnHttpsListener() throws Exception {
        awaitCondition("normative-test", "same-namespace-with-https-listener", "Accepted", "True", "Accepted");
        awaitCondition("normative-test", "same-namespace-with-https-listener", "ResolvedRefs", "True", "ResolvedRefs");
        String want = "name=tls-backend namespace=" + INFRA + " sni=abc.example.com";
        c.mesh.await("re-encrypted /backendtlspolicy", ConformanceMesh.WAIT,
                () -> httpsGet("https-listener.org", "/backendtlspolicy").endsWith("\r\n\r\n" + want));
        for (int i = 0; i < 3; i++) {
            assertThat(httpsGet("https-listener.org", "/backendtlspolicy")).startsWith("HTTP/1.1 200").endsWith(want);
        }
    }

    @Test
    void changingTheCaConfigMapIsReconciled() throws Exception {
        awaitAcceptedAndResolved("reconcile-test");
        expectServed("/backendtlspolicy-reconcile", "abc.example.com");
        Path policy = c.fileOf("reconcile-test");
        String original = Files.readString(policy);
        Files.writeString(policy, original.replace("name: tls-checks-ca-certificate}", "name: tls-checks-ca-certificate-reconcile-test}"));
        awaitCondition("reconcile-test", "Accepted", "False", "NoValidCACertificate");
        awaitCondition("reconcile-test", "ResolvedRefs", "False", "InvalidCACertificateRef");
        expectFailure("/backendtlspolicy-reconcile");
        Path cm = c.mesh.dir.resolve("900-reconcile-configmap.yaml");
        Files.writeString(cm, configMap("tls-checks-ca-certificate-reconcile-test", backendCert.crtPem()).substring(4));
        awaitAcceptedAndResolved("reconcile-test");
        expectServed("/backendtlspolicy-reconcile", "abc.example.com");
        Files.writeString(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tls-checks-ca-certificate-reconcile-test, namespace: "
                + INFRA + "}\ndata: {ca.crt: \"\"}\n");
        awaitCondition("reconcile-test", "Accepted", "False", "NoValidCACertificate");
        awaitCondition("reconcile-test", "ResolvedRefs", "False", "InvalidCACertificateRef");
        expectFailure("/backendtlspolicy-reconcile");
        Files.writeString(cm, configMap("tls-checks-ca-certificate-reconcile-test", backendCert.crtPem()).substring(4));
        awaitAcceptedAndResolved("reconcile-test");
        expectServed("/backendtlspolicy-reconcile", "abc.example.com");
        Files.writeString(policy, original);
        awaitAcceptedAndResolved("reconcile-test");
    }

    // ---- backendtlspolicy-san ----

    @Test
    void subjectAltNames() {
        for (String p : List.of("san-dns", "san-dns-mismatch", "san-uri", "san-uri-mismatch", "multiple-sans", "multiple-mismatch-sans")) {
            awaitAcceptedAndResolved(p);
        }
        expectServed("/backendtlspolicy-san-dns", "abc.example.com");
        expectFailure("/backendtlspolicy-san-dns-mismatch");
        expectServed("/backendtlspolicy-san-uri", "abc.example.com");
        expectFailure("/backendtlspolicy-san-uri-mismatch");
        expectServed("/backendtlspolicy-multiple-sans", "abc.example.com");
        expectFailure("/backendtlspolicy-multiple-mismatch-sans");
    }

    // ---- backendtlspolicy-invalid-ca-certificate-ref, backendtlspolicy-invalid-kind ----

    @Test
    void invalidCaCertificateRefsAreNoValidCaCertificateAnd5xx() {
        for (String p : List.of("nonexistent-ca-certificate-ref", "malformed-ca-certificate-ref")) {
            awaitCondition(p, "Accepted", "False", "NoValidCACertificate");
            awaitCondition(p, "ResolvedRefs", "False", "InvalidCACertificateRef");
            expectFailure("/backendtlspolicy-" + p);
        }
    }

    @Test
    void invalidKindIsNoValidCaCertificateAnd5xx() {
        awaitCondition("invalid-kind", "Accepted", "False", "NoValidCACertificate");
        awaitCondition("invalid-kind", "ResolvedRefs", "False", "InvalidKind");
        expectFailure("/backendtlspolicy-invalid-kind");
    }

    // ---- backendtlspolicy-conflict-resolution ----

    @Test
    void conflictResolution() {
        awaitCondition("conflicted-without-section-name-1", "Accepted", "True", "Accepted");
        awaitCondition("conflicted-without-section-name-2", "Accepted", "False", "Conflicted");
        expectServed("/backendtlspolicy-conflicted-without-section-name", "other.example.com");
        awaitCondition("conflicted-with-section-name-1", "Accepted", "True", "Accepted");
        awaitCondition("conflicted-with-section-name-2", "Accepted", "False", "Conflicted");
        expectServed("/backendtlspolicy-conflicted-with-section-name", "other.example.com");
        awaitCondition("not-conflicted-with-section-name", "Accepted", "True", "Accepted");
        awaitCondition("not-conflicted-without-section-name", "Accepted", "True", "Accepted");
        expectServed("/backendtlspolicy-not-conflicted", "other.example.com");
        // beyond upstream: the whole-Service policy still applies to the port the sectionName does not name
        expectServed("/backendtlspolicy-not-conflicted-without-section-name", "abc.example.com");
    }

    // ---- backendtlspolicy-observed-generation-bump ----

    @Test
    void observedGenerationFollowsAnEdit() throws Exception {
        awaitAcceptedAndResolved("observed-generation-bump");
        long gen = c.resource("BackendTLSPolicy", INFRA, "observed-generation-bump").path("metadata").path("generation").asLong();
        assertThat(condition("observed-generation-bump", "same-namespace", "Accepted").path("observedGeneration").asLong())
                .isEqualTo(gen);
        Path file = c.fileOf("observed-generation-bump");
        Files.writeString(file, Files.readString(file).replace("hostname: abc.example.com", "hostname: foo.example.com"));
        c.mesh.await("observedGeneration > " + gen, ConformanceMesh.WAIT, () -> {
            long now = c.resource("BackendTLSPolicy", INFRA, "observed-generation-bump").path("metadata").path("generation").asLong();
            JsonNode cond = condition("observed-generation-bump", "same-namespace", "Accepted");
            return now > gen && cond != null && cond.path("status").asText().equals("True")
                    && cond.path("observedGeneration").asLong() == now;
        });
        // beyond upstream: the new hostname is the SNI, and the certificate has no such name
        expectFailure("/backendtlspolicy-observed-generation-bump");
    }

    // ---- backendtlspolicy-tlsroute-terminate ----

    @Test
    void tlsRouteTerminateReencryptsToTheBackend() throws Exception {
        String gw = "gateway-btls-tlsroute-terminate";
        awaitCondition("btls-tlsroute-terminate-test", gw, "Accepted", "True", "Accepted");
        awaitCondition("btls-tlsroute-terminate-test", gw, "ResolvedRefs", "True", "ResolvedRefs");
        int port = c.port("PORT3");
        String want = "name=tls-backend namespace=" + INFRA + " sni=abc.example.com";
        c.mesh.await("TLSRoute terminate re-encrypted to the backend", ConformanceMesh.WAIT,
                () -> TlsTestSupport.exchange(port, "tls.example.com", terminateCert.x509(), "tls.example.com").body().equals(want));
        for (int i = 0; i < 3; i++) {
            TlsTestSupport.Exchange e = TlsTestSupport.exchange(port, "tls.example.com", terminateCert.x509(), "tls.example.com");
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.body()).isEqualTo(want);
            assertThat(e.peer()).as("the gateway's certificate: TLS ended at the gateway").isEqualTo(terminateCert.x509());
        }
    }

    // ---- beyond upstream: the mesh ----

    @Test
    void aSidecarReachesATlsBackendBehindItsSidecarOverTls() {
        int client = c.port("PORT4");
        String host = "mesh-tls-backend." + INFRA + ":443";
        String want = "name=tls-backend-meshed namespace=" + INFRA + " sni=abc.example.com";
        c.mesh.await("the client's sidecar to the meshed TLS backend", ConformanceMesh.WAIT,
                () -> ConformanceMesh.get(client, host, "/").body().equals(want));
        for (int i = 0; i < 3; i++) {
            ConformanceMesh.Reply r = ConformanceMesh.get(client, host, "/");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(want);
        }
    }

    // ---- backendtlspolicy-grpcroute ----

    @Test
    void grpcOverTlsToTheBackend() {
        for (String p : List.of("grpc-normative-test", "grpc-host-mismatch", "grpc-cert-mismatch")) awaitAcceptedAndResolved(p);
        grpcChannel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", c.port("PORT2")).usePlaintext()
                .overrideAuthority("abc.example.com").build();
        c.mesh.await("gRPC Echo over TLS", ConformanceMesh.WAIT, () -> grpcName(dev.lattice.testkit.EchoGrpc.ECHO).equals("grpc-infra-backend-v1"));
        for (int i = 0; i < 3; i++) assertThat(grpcName(dev.lattice.testkit.EchoGrpc.ECHO)).isEqualTo("grpc-infra-backend-v1");
        for (var m : List.of(dev.lattice.testkit.EchoGrpc.ECHO_TWO, ECHO_THREE)) {
            for (int i = 0; i < 3; i++) {
                assertThat(grpcName(m)).as(m.getFullMethodName() + " must fail (mismatched hostname / certificate)").startsWith("failed: ");
            }
        }
    }

    /** The backend name a unary call is answered with, or "failed: <status>". */
    static String grpcName(io.grpc.MethodDescriptor<com.google.protobuf.Struct, com.google.protobuf.Struct> m) {
        try {
            com.google.protobuf.Struct r = io.grpc.stub.ClientCalls.blockingUnaryCall(grpcChannel, m,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS),
                    com.google.protobuf.Struct.getDefaultInstance());
            return r.getFieldsOrDefault("name", com.google.protobuf.Value.getDefaultInstance()).getStringValue();
        } catch (io.grpc.StatusRuntimeException e) {
            return "failed: " + e.getStatus();
        }
    }

    /** A gRPC server over TLS (ALPN h2) with the tls-checks certificate, answering every Echo method with its name. */
    static io.grpc.Server grpcTlsBackend() throws Exception {
        io.grpc.ServerServiceDefinition.Builder def = io.grpc.ServerServiceDefinition.builder(dev.lattice.testkit.EchoGrpc.SERVICE);
        for (var m : List.of(dev.lattice.testkit.EchoGrpc.ECHO, dev.lattice.testkit.EchoGrpc.ECHO_TWO, ECHO_THREE)) {
            def.addMethod(m, io.grpc.stub.ServerCalls.asyncUnaryCall((req, out) -> {
                out.onNext(com.google.protobuf.Struct.newBuilder()
                        .putFields("name", com.google.protobuf.Value.newBuilder().setStringValue("grpc-infra-backend-v1").build())
                        .build());
                out.onCompleted();
            }));
        }
        return io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forServer(
                        certs.resolve("tls-checks.crt").toFile(), certs.resolve("tls-checks.key").toFile()).build())
                .addService(def.build()).build().start();
    }

    /** GET over TLS to the HTTPS listener (SNI = Host), trusting only the listener's certificate; the whole answer. */
    static String httpsGet(String host, String path) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {TlsTestSupport.trusting(listenerCert.x509())}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", https), 5000);
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(params);
            s.startHandshake();
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
