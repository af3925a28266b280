package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
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
import org.junit.jupiter.api.Test;

/**
 * HTTPS and TLS Gateway listeners end to end with the real `lattice up`: certificates chosen by SNI, h2 offered by
 * ALPN, 421 for a host that belongs to another listener, and a TLSRoute passing TLS through untouched to a backend
 * that terminates it itself. Certificates are made by the JDK's keytool in the test and written as v1 Secrets.
 */
class HttpsGatewayIT {
    private static final String PASS = "changeit";

    @Test
    void sniAlpnMisdirectedAndPassthrough() throws Exception {
        Path dir = Files.createTempDirectory("lattice-https-");
        Path keys = Files.createTempDirectory("lattice-https-keys-");
        KeyStore foo = keytool(keys, "foo", "CN=foo.example.com", "dns:foo.example.com");
        KeyStore wild = keytool(keys, "wild", "CN=wildcard.example.com", "dns:*.example.com");
        KeyStore backend = keytool(keys, "backend", "CN=passthrough-backend", "dns:db.example.com");
        int https = Mesh.freePort(), tls = Mesh.freePort(), fooApp = Mesh.freePort(), wildApp = Mesh.freePort();

        SSLContext backendTls = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(backend, PASS.toCharArray());
        backendTls.init(kmf.getKeyManagers(), null, null);
        try (SSLServerSocket server = (SSLServerSocket) backendTls.getServerSocketFactory().createServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = Thread.ofVirtual().start(() -> serveBackend(server));
            Files.writeString(dir.resolve("mesh.yaml"), """
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: GatewayClass
                    metadata: {name: lattice}
                    spec: {controllerName: lattice.dev/gateway-controller}
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: Gateway
                    metadata: {name: web}
                    spec:
                      gatewayClassName: lattice
                      listeners:
                      - name: foo
                        protocol: HTTPS
                        port: HTTPS_PORT
                        hostname: foo.example.com
                        tls: {certificateRefs: [{name: foo-cert}]}
                      - name: wildcard
                        protocol: HTTPS
                        port: HTTPS_PORT
                        hostname: "*.example.com"
                        tls: {certificateRefs: [{name: wild-cert}]}
                      - name: passthrough
                        protocol: TLS
                        port: TLS_PORT
                        tls: {mode: Passthrough}
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: foo}
                    spec:
                      parentRefs: [{name: web, sectionName: foo}]
                      rules: [{backendRefs: [{name: foo, port: 80}]}]
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: wild}
                    spec:
                      parentRefs: [{name: web, sectionName: wildcard}]
                      rules: [{backendRefs: [{name: wild, port: 80}]}]
                    ---
                    apiVersion: gateway.networking.k8s.io/v1alpha2
                    kind: TLSRoute
                    metadata: {name: db}
                    spec:
                      parentRefs: [{name: web, sectionName: passthrough}]
                      hostnames: [db.example.com]
                      rules: [{backendRefs: [{name: db, port: 443}]}]
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: foo}
                    spec: {selector: {app: foo}, ports: [{port: 80, targetPort: FOO_APP}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: wild}
                    spec: {selector: {app: wild}, ports: [{port: 80, targetPort: WILD_APP}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: db}
                    spec: {selector: {app: db}, ports: [{port: 443, targetPort: DB_PORT}]}
                    ---
                    apiVersion: lattice.dev/v1alpha1
                    kind: Workload
                    metadata: {name: foo, labels: {app: foo}}
                    spec:
                      ports: [{port: FOO_APP}]
                      sidecar: {inject: false}
                      command: [lattice, echo, --port, "FOO_APP", --name, foo]
                    ---
                    apiVersion: lattice.dev/v1alpha1
                    kind: Workload
                    metadata: {name: wild, labels: {app: wild}}
                    spec:
                      ports: [{port: WILD_APP}]
                      sidecar: {inject: false}
                      command: [lattice, echo, --port, "WILD_APP", --name, wild]
                    ---
                    apiVersion: lattice.dev/v1alpha1
                    kind: Workload
                    metadata: {name: db, labels: {app: db}}
                    spec:
                      address: 127.0.0.1
                      ports: [{port: DB_PORT}]
                      sidecar: {inject: false}
                    """.replace("HTTPS_PORT", String.valueOf(https)).replace("TLS_PORT", String.valueOf(tls))
                    .replace("FOO_APP", String.valueOf(fooApp)).replace("WILD_APP", String.valueOf(wildApp))
                    .replace("DB_PORT", String.valueOf(server.getLocalPort())));
            Files.writeString(dir.resolve("secrets.yaml"), secretWithData("foo-cert", foo) + "---\n" + secretWithStringData("wild-cert", wild));

            try (Mesh mesh = Mesh.up(dir)) {
                mesh.await("HTTPS 200 for foo.example.com", Duration.ofSeconds(90),
                        () -> request(https, "foo.example.com", "foo.example.com").status() == 200);

                Exchange fooX = request(https, "foo.example.com", "foo.example.com");
                assertThat(fooX.certificate()).contains("CN=foo.example.com");
                assertThat(fooX.body()).contains("foo");
                Exchange barX = request(https, "bar.example.com", "bar.example.com");
                assertThat(barX.certificate()).contains("CN=wildcard.example.com");
                assertThat(barX.status()).isEqualTo(200);
                assertThat(barX.body()).contains("wild");
                // SNI of the wildcard listener, Host of the foo listener: not served by the wildcard's routes
                assertThat(request(https, "bar.example.com", "foo.example.com").status()).isEqualTo(421);

                try (SSLSocket s = handshake(https, "foo.example.com", List.of("h2", "http/1.1"))) {
                    assertThat(s.getApplicationProtocol()).isEqualTo("h2");
                }

                mesh.await("passthrough to the TLS backend", Duration.ofSeconds(30), () -> {
                    try (SSLSocket s = handshake(tls, "db.example.com", List.of())) {
                        String peer = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
                        OutputStream out = s.getOutputStream();
                        out.write("hello\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                        return peer.contains("CN=passthrough-backend") && "backend got hello".equals(line);
                    }
                });
            } finally {
                server.close();
                acceptor.join(5000);
            }
        }
    }

    record Exchange(int status, String body, String certificate) {}

    /** One HTTP/1.1 request over TLS with this SNI and Host. */
    static Exchange request(int port, String sni, String host) throws IOException {
        try (SSLSocket s = handshake(port, sni, List.of("http/1.1"))) {
            String cert = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            OutputStream out = s.getOutputStream();
            out.write(("GET /hello HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            return new Exchange(status, split < 0 ? "" : response.substring(split + 4), cert);
        }
    }

    static SSLSocket handshake(int port, String sni, List<String> alpn) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            if (!alpn.isEmpty()) p.setApplicationProtocols(alpn.toArray(String[]::new));
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** The test trusts whatever the gateway serves and checks the certificate's subject itself. */
    static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** A TLS server that answers each line with "backend got LINE". */
    private static void serveBackend(SSLServerSocket server) {
        while (!server.isClosed()) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(10_000);
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                s.getOutputStream().write(("backend got " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (IOException e) {
                // a closed server, or a client that went away: next
            }
        }
    }

    /** A self-signed EC key pair and certificate made by the JDK's keytool. */
    static KeyStore keytool(Path dir, String alias, String dname, String san) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", PASS, "-keypass", PASS).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASS.toCharArray());
        }
        return ks;
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static String[] pems(KeyStore ks) throws Exception {
        String alias = ks.aliases().nextElement();
        Certificate cert = ks.getCertificate(alias);
        PrivateKey key = (PrivateKey) ks.getKey(alias, PASS.toCharArray());
        return new String[] {pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", key.getEncoded())};
    }

    /** As kubectl writes it: base64 under data. */
    static String secretWithData(String name, KeyStore ks) throws Exception {
        String[] p = pems(ks);
        Base64.Encoder b = Base64.getEncoder();
        return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\ntype: kubernetes.io/tls\ndata:\n"
                + "  tls.crt: " + b.encodeToString(p[0].getBytes(StandardCharsets.US_ASCII)) + "\n"
                + "  tls.key: " + b.encodeToString(p[1].getBytes(StandardCharsets.US_ASCII)) + "\n";
    }

    /** Plain PEM under stringData. */
    static String secretWithStringData(String name, KeyStore ks) throws Exception {
        String[] p = pems(ks);
        return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\ntype: kubernetes.io/tls\nstringData:\n"
                + "  tls.crt: |\n" + indent(p[0]) + "  tls.key: |\n" + indent(p[1]);
    }

    private static String indent(String s) {
        StringBuilder b = new StringBuilder();
        for (String line : s.split("\n")) b.append("    ").append(line).append('\n');
        return b.toString();
    }
}
