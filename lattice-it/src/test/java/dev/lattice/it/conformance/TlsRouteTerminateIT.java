package dev.lattice.it.conformance;

import static dev.lattice.it.conformance.ConformanceMesh.INFRA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream's TLSRoute tests for Terminate listeners (features TLSRouteModeTerminate and TLSRouteModeMixed):
 * tlsroute-terminate-simple-same-namespace, tlsroute-listener-terminate-supported-kinds and
 * tlsroute-mixed-termination-same-namespace. A TLS listener with {@code tls.mode: Terminate} ends TLS at the gateway
 * with its certificate and relays the plain TCP stream to the route's backend; on the mixed Gateway a Passthrough
 * listener on the same port relays the TLS bytes of its SNI name untouched.
 *
 * <p>Upstream's {@code tcp-backend} (a plain-text port 3000 and a TLS port 8443 with a certificate for
 * abc.example.com) is two servers in the test JVM behind one Workload; they answer with their name and, on the TLS
 * port, the SNI they were asked for. The clients trust exactly the certificate they must see: the gateway's
 * {@code tls-terminate-checks-certificate} (tls.example.com) when it terminates, the backend's when it passes through.
 * Upstream's tlsroute-listener-terminate-not-supported and tlsroute-listener-mixed-termination-not-supported only run
 * for implementations without these features, so they are not mirrored.
 */
class TlsRouteTerminateIT {
    static ConformanceMesh c;
    static Path certs;
    static TlsTestSupport.Cert terminateCert;
    static TlsTestSupport.Cert passthroughCert;
    static ServerSocket plain;
    static SSLServerSocket tls;

    static String yaml() {
        return terminateCert.secret(INFRA, "tls-terminate-checks-certificate") + """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: tcp-backend, namespace: gateway-conformance-infra}
                spec:
                  selector: {app: tcp-backend}
                  ports:
                  - {name: plain, protocol: TCP, port: 3000, targetPort: plain}
                  - {name: tls, protocol: TCP, port: 8443, targetPort: tls}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: tcp-backend, namespace: gateway-conformance-infra, labels: {app: tcp-backend}}
                spec:
                  ports: [{name: plain, port: @PLAIN@}, {name: tls, port: @TLS@}]
                  sidecar: {inject: false}
                ---
                # tlsroute-terminate-simple-same-namespace
                apiVersion: gateway.networking.k8s.io/v1
                kind: TLSRoute
                metadata: {name: tlsroute-terminated-test, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: gateway-tlsroute-terminate, namespace: gateway-conformance-infra}]
                  hostnames: [tls.example.com]
                  rules: [{backendRefs: [{name: tcp-backend, port: 3000}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute-terminate, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: tlsterminate
                    port: ${PORT1}
                    protocol: TLS
                    hostname: tls.example.com
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls:
                      mode: Terminate
                      certificateRefs: [{name: tls-terminate-checks-certificate}]
                ---
                # tlsroute-listener-terminate-supported-kinds
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute-terminate-supported, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: tls-terminate
                    port: ${PORT2}
                    protocol: TLS
                    hostname: terminate.example.com
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls:
                      mode: Terminate
                      certificateRefs: [{name: tls-terminate-checks-certificate}]
                ---
                # tlsroute-mixed-termination-same-namespace
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gateway-tlsroute-mixed-termination, namespace: gateway-conformance-infra}
                spec:
                  gatewayClassName: lattice
                  listeners:
                  - name: tls-terminate
                    port: ${PORT3}
                    protocol: TLS
                    hostname: tls.example.com
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls:
                      mode: Terminate
                      certificateRefs: [{name: tls-terminate-checks-certificate}]
                  - name: tls-passthrough
                    port: ${PORT3}
                    protocol: TLS
                    hostname: abc.example.com
                    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
                    tls: {mode: Passthrough}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: TLSRoute
                metadata: {name: gateway-conformance-mixed-passthroughroute, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: gateway-tlsroute-mixed-termination, namespace: gateway-conformance-infra}]
                  hostnames: [abc.example.com]
                  rules: [{backendRefs: [{name: tcp-backend, port: 8443}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: TLSRoute
                metadata: {name: gateway-conformance-mixed-terminateroute, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: gateway-tlsroute-mixed-termination, namespace: gateway-conformance-infra}]
                  hostnames: [tls.example.com]
                  rules: [{backendRefs: [{name: tcp-backend, port: 3000}]}]
                """.replace("@PLAIN@", String.valueOf(plain.getLocalPort())).replace("@TLS@", String.valueOf(tls.getLocalPort()));
    }

    @BeforeAll
    static void up() throws Exception {
        certs = TlsTestSupport.tempDir();
        terminateCert = TlsTestSupport.selfSigned(certs, "tls-terminate-checks", "tls.example.com", "tls.example.com");
        passthroughCert = TlsTestSupport.selfSigned(certs, "tls-passthrough-checks", "abc.example.com", "abc.example.com");
        plain = TlsTestSupport.plainBackend("tcp-backend", INFRA);
        tls = TlsTestSupport.tlsBackend(passthroughCert, "tcp-backend", INFRA);
        c = ConformanceMesh.start(yaml(), ConformanceMesh.Option.MESH_ONLY);
    }

    @AfterAll
    static void down() throws Exception {
        if (c != null) c.close();
        if (plain != null) plain.close();
        if (tls != null) tls.close();
        TlsTestSupport.deleteTree(certs);
    }

    void awaitGatewayAndRoutesAccepted(String gateway, String... routes) {
        c.mesh.await("Gateway " + gateway + " Programmed", ConformanceMesh.WAIT,
                () -> GatewaySecretIT.hasCondition(c.resource("Gateway", INFRA, gateway).path("status").path("conditions"),
                        "Programmed", "True", "Programmed"));
        for (String r : routes) c.awaitRouteCondition("TLSRoute", INFRA, r, gateway, "Accepted", "True", "Accepted");
    }

    /** A listener as upstream expects it: supportedKinds [TLSRoute], Accepted=True, this many attached routes. */
    static boolean tlsRouteListener(JsonNode gw, String name, int attached) {
        JsonNode l = GatewaySecretIT.listener(gw, name);
        JsonNode kinds = l.path("supportedKinds");
        return kinds.size() == 1 && kinds.get(0).path("kind").asText().equals("TLSRoute")
                && kinds.get(0).path("group").asText().equals("gateway.networking.k8s.io")
                && l.path("attachedRoutes").asInt(-1) == attached
                && GatewaySecretIT.hasCondition(l.path("conditions"), "Accepted", "True", "Accepted");
    }

    /** Upstream's MakeTCPRequestAndExpectEventuallyValidResponse for a terminated route: the gateway's certificate, a plain backend. */
    void awaitTerminatedToPlainBackend(int port, String sni) {
        String want = "name=tcp-backend namespace=" + INFRA + " plaintext";
        c.mesh.await("tcp-backend (plain text) answering SNI " + sni + " via :" + port, ConformanceMesh.WAIT,
                () -> TlsTestSupport.exchange(port, sni, terminateCert.x509(), sni).body().equals(want));
        for (int i = 0; i < 3; i++) {
            TlsTestSupport.Exchange e;
            try {
                e = TlsTestSupport.exchange(port, sni, terminateCert.x509(), sni);
            } catch (Exception ex) {
                throw new AssertionError("SNI " + sni + " via :" + port + ": " + ex, ex);
            }
            assertThat(e.peer()).as("TLS ends at the gateway, with the listener's certificate").isEqualTo(terminateCert.x509());
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.body()).isEqualTo(want);
        }
    }

    @Test
    void terminateListenerRelaysThePlainStreamToTheBackend() {
        String gw = "gateway-tlsroute-terminate";
        awaitGatewayAndRoutesAccepted(gw, "tlsroute-terminated-test");
        awaitTerminatedToPlainBackend(c.port("PORT1"), "tls.example.com");
        // beyond upstream: a name the listener does not serve gets no connection
        assertThat(TlsTestSupport.rejected(c.port("PORT1"), "other.example.com")).isTrue();
    }

    @Test
    void terminateListenerSupportsTlsRoute() {
        String gwName = "gateway-tlsroute-terminate-supported";
        c.mesh.await(gwName + " listener tls-terminate: supportedKinds [TLSRoute], Accepted", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gwName);
            return gw.path("status").path("listeners").size() == 1 && tlsRouteListener(gw, "tls-terminate", 0);
        });
    }

    @Test
    void terminateAndPassthroughListenersShareAPortBySni() throws Exception {
        String gwName = "gateway-tlsroute-mixed-termination";
        awaitGatewayAndRoutesAccepted(gwName, "gateway-conformance-mixed-passthroughroute", "gateway-conformance-mixed-terminateroute");
        c.mesh.await(gwName + " listeners tls-terminate and tls-passthrough, 1 route each", ConformanceMesh.WAIT, () -> {
            JsonNode gw = c.resource("Gateway", INFRA, gwName);
            return gw.path("status").path("listeners").size() == 2 && tlsRouteListener(gw, "tls-terminate", 1)
                    && tlsRouteListener(gw, "tls-passthrough", 1);
        });
        int port = c.port("PORT3");
        awaitTerminatedToPlainBackend(port, "tls.example.com");
        // Passthrough: the backend's own certificate, and it saw the client's SNI
        String want = "name=tcp-backend namespace=" + INFRA + " sni=abc.example.com";
        c.mesh.await("tcp-backend (TLS) answering SNI abc.example.com via :" + port, Duration.ofSeconds(20),
                () -> TlsTestSupport.exchange(port, "abc.example.com", passthroughCert.x509(), "abc.example.com").body().equals(want));
        for (int i = 0; i < 3; i++) {
            TlsTestSupport.Exchange e = TlsTestSupport.exchange(port, "abc.example.com", passthroughCert.x509(), "abc.example.com");
            assertThat(e.peer()).isEqualTo(passthroughCert.x509());
            assertThat(e.body()).isEqualTo(want);
        }
    }
}
