package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.it.Mesh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's HTTPS listener conformance tests and the first TLSRoute one: httproute-https-listener (Terminate, SNI
 * picks the listener; a host no route has is 404), httproute-https-listener-detect-misdirected-requests (HTTP/2 over
 * TLS: a request whose Host belongs to another listener than the connection's SNI is 421; the full table of SNI and
 * Host pairs on the base Gateway's four HTTPS listeners) and tlsroute-simple-same-namespace (Passthrough by SNI to a TLS
 * backend that terminates itself). The Gateway {@code same-namespace-with-https-listener} is upstream's base one
 * (listeners https, https-with-hostname, https-with-wildcard-hostname, https-with-hostname-matching-wildcard) on a free
 * port. Certificates are made by {@code openssl} for the run; the clients trust exactly that certificate (curl pins its
 * public key). The passthrough backend is a TLS server in the test JVM behind a Workload without a command.
 */
class TLSIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert cert;
    static SSLServerSocket passthroughBackend;

    static String yaml(int backendPort) {
        return cert.secret(INFRA, "tls-validity-checks-certificate") + """
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
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
                  - name: https-with-hostname
                    port: ${PORT1}
                    hostname: second-example.org
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
                  - name: https-with-wildcard-hostname
                    port: ${PORT1}
                    hostname: "*.wildcard.org"
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
                  - name: https-with-hostname-matching-wildcard
                    port: ${PORT1}
                    hostname: fourth-example.wildcard.org
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}
                ---
                # httproute-https-listener
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: httproute-https-test, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener}]
                  hostnames: [example.org]
                  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: httproute-https-test-no-hostname, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-hostname}]
                  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
                ---
                # httproute-https-listener-detect-misdirected-requests
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: https-listener-detect-misdirected-requests-test-1, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https}]
                  hostnames: [example.org]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /detect-misdirected-requests}}]
                    backendRefs: [{name: infra-backend-v1, port: 8080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: https-listener-detect-misdirected-requests-test-2, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-hostname}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /detect-misdirected-requests}}]
                    backendRefs: [{name: infra-backend-v2, port: 8080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: https-listener-detect-misdirected-requests-test-3, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-wildcard-hostname}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /detect-misdirected-requests}}]
                    backendRefs: [{name: infra-backend-v3, port: 8080}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: https-listener-detect-misdirected-requests-test-4, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-hostname-matching-wildcard}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /detect-misdirected-requests}}]
                    backendRefs: [{name: infra-backend-v1, port: 8080}]
                ---
                # tlsroute-simple-same-namespace
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: https
                    port: ${PORT2}
                    protocol: TLS
                    hostname: "*.example.com"
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls: {mode: Passthrough}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: gateway-conformance-infra-test, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: gateway-tlsroute}]
                  hostnames: [abc.example.com]
                  rules: [{backendRefs: [{name: tls-backend, port: 443}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend}
                  ports: [{name: tls, port: 443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend, namespace: gateway-conformance-infra, labels: {app: tls-backend}}
                spec:
                  ports: [{name: tls, port: @BACKEND_PORT@}]
                  sidecar: {inject: false}
                """.replace("@BACKEND_PORT@", String.valueOf(backendPort));
    }

    static final String GW = "same-namespace-with-https-listener";
    static final List<String> ROUTES = List.of("httproute-https-test", "httproute-https-test-no-hostname",
            "https-listener-detect-misdirected-requests-test-1", "https-listener-detect-misdirected-requests-test-2",
            "https-listener-detect-misdirected-requests-test-3", "https-listener-detect-misdirected-requests-test-4");

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        // upstream's tls-validity-checks-certificate is for "*", "*.org" and "*.wildcard.org"; this one names the hosts
        cert = TlsTestSupport.selfSigned(certs, "tls-validity-checks", "example.org", "example.org", "second-example.org",
                "unknown-example.org", "*.wildcard.org", "*.example.com");
        passthroughBackend = TlsTestSupport.tlsBackend(cert, "tls-backend", INFRA);
        c = ConformanceMesh.start(yaml(passthroughBackend.getLocalPort()));
        // GatewayAndHTTPRoutesMustBeAccepted and HTTPRouteMustHaveResolvedRefsConditionsTrue
        for (String r : ROUTES) {
            c.awaitRouteCondition("HTTPRoute", INFRA, r, GW, "Accepted", "True", "Accepted");
            c.awaitRouteCondition("HTTPRoute", INFRA, r, GW, "ResolvedRefs", "True", "ResolvedRefs");
        }
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        if (passthroughBackend != null) passthroughBackend.close();
        TlsTestSupport.deleteTree(certs);
    }

    /** What a request through the HTTPS port got: status, the echo that answered (or ""), and the HTTP version. */
    record Answer(int status, String backend, String version) {}

    /**
     * One request with curl over TLS: SNI {@code sni} (the URL's host, resolved to 127.0.0.1), Host / :authority
     * {@code host}, HTTP/2 by ALPN when {@code h2}; the server's public key must be the run's certificate's.
     */
    static Answer curl(int port, String sni, String host, String path, boolean h2) throws Exception {
        String pin = "sha256//" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(cert.x509().getPublicKey().getEncoded()));
        Process p = new ProcessBuilder("curl", "-sS", "-k", "--pinnedpubkey", pin, h2 ? "--http2" : "--http1.1",
                "--resolve", sni + ":" + port + ":127.0.0.1", "-H", "Host: " + host, "-m", "10",
                "-w", "\n%{http_code} %{http_version}", "https://" + sni + ":" + port + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl SNI " + sni + " Host " + host + ": " + out).isZero();
        String last = out.substring(out.lastIndexOf('\n') + 1);
        String body = out.substring(0, out.lastIndexOf('\n'));
        String backend = body.startsWith("{") ? Mesh.JSON.readTree(body).path("name").asText() : "";
        return new Answer(Integer.parseInt(last.split(" ")[0]), backend, last.split(" ")[1]);
    }

    /** MakeTLSRequestAndExpectEventuallyConsistentResponse: waits for the answer, then checks it holds 3 times. */
    static void expect(int port, String sni, String host, String path, boolean h2, int status, String backend) {
        Answer want = new Answer(status, backend == null ? "" : backend, h2 ? "2" : "1.1");
        c.mesh.await("SNI " + sni + " Host " + host + path + " -> " + want, Duration.ofSeconds(20),
                () -> curl(port, sni, host, path, h2).equals(want));
        for (int i = 0; i < 3; i++) {
            try {
                assertThat(curl(port, sni, host, path, h2)).as("SNI " + sni + " Host " + host + path).isEqualTo(want);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void httpsListenerTerminatesAndRoutesBySni() throws Exception {
        int port = c.port("PORT1");
        expect(port, "example.org", "example.org", "/", false, 200, "infra-backend-v1");
        expect(port, "unknown-example.org", "unknown-example.org", "/", false, 404, null);
        expect(port, "second-example.org", "second-example.org", "/", false, 200, "infra-backend-v2");
        // the JDK client too, trusting exactly the run's certificate (which is what the listener presents)
        TlsTestSupport.Exchange e = TlsTestSupport.exchange(port, "example.org", cert.x509(), "example.org");
        assertThat(e.status()).isEqualTo(200);
        assertThat(Mesh.JSON.readTree(e.body()).path("name").asText()).isEqualTo("infra-backend-v1");
    }

    @Test
    void misdirectedRequestIs421() {
        int port = c.port("PORT1");
        String path = "/detect-misdirected-requests";
        Object[][] cases = {
            {"example.org", "example.org", 200, "infra-backend-v1"},
            {"example.org", "second-example.org", 421, null},
            {"example.org", "unknown-example.org", 404, null},
            {"second-example.org", "second-example.org", 200, "infra-backend-v2"},
            {"second-example.org", "example.org", 421, null},
            {"second-example.org", "unknown-example.org", 421, null},
            {"third-example.wildcard.org", "third-example.wildcard.org", 200, "infra-backend-v3"},
            {"third-example.wildcard.org", "fith-example.wildcard.org", 200, "infra-backend-v3"},
            {"third-example.wildcard.org", "fourth-example.wildcard.org", 421, null},
            {"third-example.wildcard.org", "second-example.org", 421, null},
            {"third-example.wildcard.org", "unknown-example.org", 421, null},
            {"fourth-example.wildcard.org", "fourth-example.wildcard.org", 200, "infra-backend-v1"},
            {"fourth-example.wildcard.org", "fith-example.wildcard.org", 421, null},
            {"unknown-example.org", "example.org", 200, "infra-backend-v1"},
            {"unknown-example.org", "unknown-example.org", 404, null},
        };
        for (Object[] k : cases) {
            expect(port, (String) k[0], (String) k[1], path, true, (Integer) k[2], (String) k[3]);
        }
    }

    @Test
    void tlsPassthroughRoutesBySniWithoutTerminating() throws Exception {
        int port = c.port("PORT2");
        String want = "name=tls-backend namespace=" + INFRA + " sni=abc.example.com";
        c.mesh.await("passthrough abc.example.com", Duration.ofSeconds(20),
                () -> TlsTestSupport.exchange(port, "abc.example.com", cert.x509(), "abc.example.com").body().equals(want));
        TlsTestSupport.Exchange e = TlsTestSupport.exchange(port, "abc.example.com", cert.x509(), "abc.example.com");
        assertThat(e.body()).isEqualTo(want);
        c.awaitRouteCondition("TLSRoute", INFRA, "gateway-conformance-infra-test", "gateway-tlsroute", "Accepted", "True", "Accepted");
        c.awaitRouteCondition("TLSRoute", INFRA, "gateway-conformance-infra-test", "gateway-tlsroute", "ResolvedRefs", "True", "ResolvedRefs");
    }
}
