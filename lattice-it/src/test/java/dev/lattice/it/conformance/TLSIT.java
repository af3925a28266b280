package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.it.Mesh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's HTTPS listener and TLSRoute conformance tests: httproute-https-listener (Terminate, SNI picks the
 * certificate and the listener), httproute-https-listener-detect-misdirected-requests (421) and
 * tlsroute-simple-same-namespace (Passthrough by SNI to a TLS backend that terminates itself). Certificates are
 * made by {@code openssl} for the run; the passthrough backend is a TLS server in the test JVM behind a Workload
 * without a command.
 */
class TLSIT {
    static ConformanceMesh c;
    static Path certs;
    static SSLServerSocket passthroughBackend;
    static Thread backendThread;
    static String certPem;

    static String yaml(String crtB64, String keyB64, int backendPort) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}
                type: kubernetes.io/tls
                data: {tls.crt: @CRT@, tls.key: @KEY@}
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
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate}]}
                  - name: https-with-hostname
                    port: ${PORT1}
                    hostname: second-example.org
                    protocol: HTTPS
                    allowedRoutes: {namespaces: {from: Same}}
                    tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate}]}
                ---
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
                  rules: [{backendRefs: [{name: tls-backend, port: 8443}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tls-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tls-backend}
                  ports: [{name: tls, port: 8443, targetPort: tls}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tls-backend, namespace: gateway-conformance-infra, labels: {app: tls-backend}}
                spec:
                  ports: [{name: tls, port: BACKEND_PORT}]
                  sidecar: {inject: false}
                """.replace("@CRT@", crtB64).replace("@KEY@", keyB64).replace("BACKEND_PORT", String.valueOf(backendPort));
    }

    @BeforeAll
    static void up() throws Exception {
        certs = Files.createTempDirectory("lattice-conformance-tls-");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=example.org",
                "-addext", "subjectAltName=DNS:example.org,DNS:second-example.org,DNS:*.example.com",
                "-keyout", "tls.key", "-out", "tls.crt");
        openssl("pkcs12", "-export", "-in", "tls.crt", "-inkey", "tls.key", "-out", "tls.p12", "-passout", "pass:changeit");
        certPem = Files.readString(certs.resolve("tls.crt"));
        String crt = Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.crt")));
        String key = Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("tls.key")));
        passthroughBackend = startTlsBackend();
        c = ConformanceMesh.start(yaml(crt, key, passthroughBackend.getLocalPort()));
        c.awaitRouteCondition("HTTPRoute", INFRA, "httproute-https-test", "same-namespace-with-https-listener",
                "Accepted", "True", "Accepted");
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        if (passthroughBackend != null) passthroughBackend.close();
        if (backendThread != null) backendThread.join(5000);
        if (certs != null) {
            try (var files = Files.list(certs)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(certs);
        }
    }

    static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl " + String.join(" ", args) + ": " + out).isZero();
    }

    /** A TLS server that answers one HTTP/1.1 request per connection with "passthrough-backend" and its SNI. */
    static SSLServerSocket startTlsBackend() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.resolve("tls.p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        backendThread = Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            ByteArrayOutputStream head = new ByteArrayOutputStream();
                            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                                int b = in.read();
                                if (b < 0) return;
                                head.write(b);
                            }
                            byte[] body = "passthrough-backend".getBytes(StandardCharsets.UTF_8);
                            OutputStream out = s.getOutputStream();
                            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                            out.write(body);
                            out.flush();
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    record Raw(int status, String body, String peerSubject) {}

    /** One HTTP/1.1 request over TLS with the given SNI and Host; trusts only the run's certificate. */
    static Raw https(int port, String sni, String host, String path) throws Exception {
        X509Certificate mine = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
        TrustManager tm = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                if (!chain[0].equals(mine)) throw new java.security.cert.CertificateException("not the run's certificate");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(params);
            s.startHandshake();
            String subject = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(all.substring(9, 12));
            int bodyAt = all.indexOf("\r\n\r\n");
            return new Raw(status, bodyAt < 0 ? "" : all.substring(bodyAt + 4), subject);
        }
    }

    static String backendOf(Raw r) throws IOException {
        if (!r.body().startsWith("{")) return r.body();
        JsonNode j = Mesh.JSON.readTree(r.body());
        return j.path("name").asText();
    }

    @Test
    void httpsListenerTerminatesAndRoutesBySni() throws Exception {
        int port = c.port("PORT1");
        c.mesh.await("HTTPS example.org", Duration.ofSeconds(20), () -> https(port, "example.org", "example.org", "/").status() == 200);
        Raw r = https(port, "example.org", "example.org", "/");
        assertThat(backendOf(r)).isEqualTo("infra-backend-v1");
        assertThat(r.peerSubject()).contains("CN=example.org");
        Raw second = https(port, "second-example.org", "second-example.org", "/");
        assertThat(second.status()).isEqualTo(200);
        assertThat(backendOf(second)).isEqualTo("infra-backend-v2");
    }

    @Test
    void misdirectedRequestIs421() throws Exception {
        int port = c.port("PORT1");
        c.mesh.await("HTTPS example.org", Duration.ofSeconds(20), () -> https(port, "example.org", "example.org", "/").status() == 200);
        Raw r = https(port, "second-example.org", "example.org", "/");
        assertThat(r.status()).as(r.body()).isEqualTo(421);
    }

    @Test
    void tlsPassthroughRoutesBySniWithoutTerminating() throws Exception {
        int port = c.port("PORT2");
        c.mesh.await("passthrough abc.example.com", Duration.ofSeconds(20),
                () -> https(port, "abc.example.com", "abc.example.com", "/").status() == 200);
        Raw r = https(port, "abc.example.com", "abc.example.com", "/");
        assertThat(r.body()).isEqualTo("passthrough-backend");
        c.awaitRouteCondition("TLSRoute", INFRA, "gateway-conformance-infra-test", "gateway-tlsroute", "Accepted", "True", "Accepted");
    }
}
