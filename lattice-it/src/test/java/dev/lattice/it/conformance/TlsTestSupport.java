package dev.lattice.it.conformance;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * What the TLS conformance ITs share: certificates made by {@code openssl} for the run (as upstream's suite makes
 * its Secrets at start-up), TLS backends in the test JVM that name themselves and the SNI they saw (upstream's
 * {@code tls-backend} echo servers), and TLS clients that trust exactly one certificate.
 */
final class TlsTestSupport {
    private TlsTestSupport() {}

    /** A certificate and its key as PEM, plus a PKCS#12 file (password {@code changeit}) for a JDK TLS server. */
    record Cert(String crtPem, String keyPem, Path p12) {
        /** The Secret's {@code tls.crt}, base64 as on Kubernetes. */
        String crtB64() {
            return Base64.getEncoder().encodeToString(crtPem.getBytes(StandardCharsets.US_ASCII));
        }

        String keyB64() {
            return Base64.getEncoder().encodeToString(keyPem.getBytes(StandardCharsets.US_ASCII));
        }

        X509Certificate x509() {
            try {
                return (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(crtPem.getBytes(StandardCharsets.US_ASCII)));
            } catch (CertificateException e) {
                throw new IllegalStateException("tls test: certificate does not parse", e);
            }
        }

        /** A {@code kubernetes.io/tls} Secret holding this certificate. */
        String secret(String namespace, String name) {
            return """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: @NAME@, namespace: @NS@}
                    type: kubernetes.io/tls
                    data: {tls.crt: @CRT@, tls.key: @KEY@}
                    """.replace("@NAME@", name).replace("@NS@", namespace).replace("@KEY@", keyB64())
                    .replace("@CRT@", crtB64());
        }
    }

    static Path tempDir() throws IOException {
        return Files.createTempDirectory("lattice-conformance-certs-");
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl " + String.join(" ", args) + ": " + out).isZero();
    }

    /** A self-signed RSA certificate for {@code cn} with these DNS SANs, files named after {@code name} in dir. */
    static Cert selfSigned(Path dir, String name, String cn, String... dnsNames) throws Exception {
        requireNonNull(dir, "dir");
        List<String> sans = new ArrayList<>();
        for (String d : dnsNames) sans.add("DNS:" + d);
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
                "-addext", "subjectAltName=" + String.join(",", sans), "-keyout", name + ".key", "-out", name + ".crt");
        openssl(dir, "pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:changeit");
        return new Cert(Files.readString(dir.resolve(name + ".crt")), Files.readString(dir.resolve(name + ".key")),
                dir.resolve(name + ".p12"));
    }

    /**
     * A TLS server on 127.0.0.1 serving {@code cert}: it reads one HTTP/1.1 request head per connection and answers
     * {@code name=<name> namespace=<ns> sni=<the SNI it was asked for, or "">}, then closes.
     */
    static SSLServerSocket tlsBackend(Cert cert, String name, String namespace) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cert.p12())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        serve(server, "tls-backend-" + name, s -> {
            SSLSocket ssl = (SSLSocket) s;
            ssl.startHandshake();
            String sni = "";
            if (ssl.getSession() instanceof ExtendedSSLSession ex) {
                for (SNIServerName n : ex.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) sni = h.getAsciiName();
                }
            }
            answer(s.getInputStream(), s.getOutputStream(), "name=" + name + " namespace=" + namespace + " sni=" + sni);
        });
        return server;
    }

    /**
     * A plain TCP server on 127.0.0.1 (upstream's tcp-backend on its plain-text port): it reads one HTTP/1.1 request
     * head per connection and answers {@code name=<name> namespace=<ns> plaintext}, then closes. A TLS ClientHello
     * reaching it is not a request head, so a connection that was not terminated before it gets no answer.
     */
    static ServerSocket plainBackend(String name, String namespace) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        serve(server, "plain-backend-" + name,
                s -> answer(s.getInputStream(), s.getOutputStream(), "name=" + name + " namespace=" + namespace + " plaintext"));
        return server;
    }

    interface Connection {
        void handle(Socket s) throws IOException;
    }

    /** Accepts on {@code server} until it closes, each connection on a virtual thread with a 10 s read timeout. */
    private static void serve(ServerSocket server, String name, Connection handler) {
        Thread.ofVirtual().name(name).start(() -> {
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
                        handler.handle(s);
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            }
        });
    }

    /** Reads one request head from {@code in} and writes a 200 with {@code body}. */
    static void answer(InputStream in, OutputStream out, String body) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) return;
            head.write(b);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    /** What a TLS exchange saw: the HTTP status and body (0 and "" for a bare handshake) and the server certificate. */
    record Exchange(int status, String body, X509Certificate peer) {}

    /** A trust manager that accepts exactly {@code trusted} (null: any certificate, for handshake-only checks). */
    static TrustManager trusting(X509Certificate trusted) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                if (trusted != null && !chain[0].equals(trusted)) {
                    throw new CertificateException("not the expected certificate: " + chain[0].getSubjectX500Principal());
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    /**
     * Connects to 127.0.0.1:port with this SNI, completes the handshake trusting only {@code trusted} (null: any),
     * and, when {@code host} is not null, sends one {@code GET /} with that Host and reads the answer.
     */
    static Exchange exchange(int port, String sni, X509Certificate trusted, String host) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {trusting(trusted)}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            params.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(params);
            s.startHandshake();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            if (host == null) return new Exchange(0, "", peer);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (all.length() < 12) throw new IOException("tls test: short answer via :" + port + " (SNI " + sni + "): " + all);
            int status = Integer.parseInt(all.substring(9, 12));
            int bodyAt = all.indexOf("\r\n\r\n");
            return new Exchange(status, bodyAt < 0 ? "" : all.substring(bodyAt + 4), peer);
        }
    }

    /**
     * Whether a TLS connection with this SNI is refused or closed before it carries an answer (upstream's
     * MakeTLSConnectionAndExpectEventuallyConnectionRejection): true when the connect, the handshake or the request
     * fails; false when an HTTP answer comes back.
     */
    static boolean rejected(int port, String sni) {
        try {
            exchange(port, sni, null, sni);
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
