package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Authorization with real processes: AuthorizationPolicies applied live to a sidecar, judged by mTLS clients holding
 * certificates of several identities from the mesh CA, by a plaintext client, and by the gateway's own mesh hop (its
 * identity is {@code sa/gw}). A matrix over principals, namespaces, methods and paths with DENY beating ALLOW; a dry
 * run counted and not enforced; a denial counted by policy on the sidecar's /stats/prometheus; a policy that does not
 * validate closes access, and fixing it opens it again; an SMI TrafficTarget allowing one source on one route and
 * refusing every other caller and route; a policy targeting the Gateway enforced by the gateway, for its listener.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthzIT {
    static final String HOST = "books.example";
    static Mesh mesh;
    static Path dir;
    static int gw;
    static int app;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        app = Mesh.freePort();
        dir = Files.createTempDirectory("lattice-authz-");
        Files.writeString(dir.resolve("mesh.yaml"), MtlsIT.booksMesh(gw, app));
        mesh = Mesh.upAndServing(dir, 2, gw, HOST, "/");
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static JsonNode sidecar() throws IOException {
        return mesh.proxy("sidecar~default~books-v1");
    }

    static int inbound() throws IOException {
        return sidecar().path("inboundPorts").elements().next().asInt();
    }

    static MtlsIT.Client id(String spiffeId) throws Exception {
        return MtlsIT.client(spiffeId, MtlsIT.root(dir), MtlsIT.rootKey(dir), Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    /** The status line and body of one request on the sidecar's inbound port: over mTLS as {@code client}, or plaintext when null. */
    static String call(MtlsIT.Client client, String method, String path) throws Exception {
        byte[] req = (method + " " + path + " HTTP/1.1\r\nHost: books\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        if (client == null) {
            try (Socket s = new Socket("127.0.0.1", inbound())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(req);
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }
        return MtlsIT.tls(inbound(), client, new String(req, StandardCharsets.ISO_8859_1)).answer();
    }

    static int status(MtlsIT.Client client, String method, String path) throws Exception {
        String r = call(client, method, path);
        assertThat(r).as("%s %s", method, path).startsWith("HTTP/1.1 ");
        return Integer.parseInt(r.substring(9, 12));
    }

    static String sidecarMetrics() throws Exception {
        int admin = sidecar().path("adminPort").asInt();
        return Mesh.get(java.net.URI.create("http://127.0.0.1:" + admin + "/stats/prometheus"), java.util.Map.of()).body();
    }

    static final String POLICIES = """
            apiVersion: lattice.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: readers, namespace: default}
            spec:
              targetRefs: [{group: "", kind: Service, name: books}]
              action: ALLOW
              rules:
              - from: [{source: {principals: ["cluster.local/ns/default/sa/web"]}}]
                to: [{operation: {methods: [GET, HEAD], paths: ["/books/*"]}}]
              - from: [{source: {namespaces: [batch]}}]
                to: [{operation: {methods: [POST], paths: ["/import"]}}]
              - from: [{source: {principals: ["cluster.local/ns/default/sa/gw"]}}]
                to: [{operation: {paths: ["/public*"]}}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: no-admin, namespace: default}
            spec:
              action: DENY
              rules: [{to: [{operation: {paths: ["/books/admin*"]}}]}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: secrets-trial, namespace: default}
            spec:
              action: DENY
              dryRun: true
              rules: [{to: [{operation: {paths: ["/books/secret*"]}}]}]
            """;

    @Test
    @Order(1)
    void withoutPoliciesEveryoneIsServed() throws Exception {
        assertThat(status(id("spiffe://cluster.local/ns/default/sa/other"), "DELETE", "/books/1")).isEqualTo(200);
        assertThat(status(null, "GET", "/books/1")).isEqualTo(200);
    }

    @Test
    @Order(2)
    void theMatrixOverPrincipalsNamespacesMethodsAndPathsWithDenyBeatingAllow() throws Exception {
        Files.writeString(dir.resolve("authz.yaml"), POLICIES);
        MtlsIT.Client web = id("spiffe://cluster.local/ns/default/sa/web");
        MtlsIT.Client job = id("spiffe://cluster.local/ns/batch/sa/job");
        MtlsIT.Client other = id("spiffe://cluster.local/ns/default/sa/other");
        mesh.await("the policies are enforced", Duration.ofSeconds(30), () -> status(other, "GET", "/books/1") == 403);
        String denied = call(other, "GET", "/books/1");
        assertThat(denied).startsWith("HTTP/1.1 403").endsWith("RBAC: access denied").doesNotContain("books-v1");

        assertThat(status(web, "GET", "/books/1")).isEqualTo(200);
        assertThat(status(web, "HEAD", "/books/1")).isEqualTo(200);
        assertThat(status(web, "DELETE", "/books/1")).isEqualTo(403);
        assertThat(status(web, "GET", "/orders/1")).isEqualTo(403);
        assertThat(status(web, "POST", "/import")).isEqualTo(403);
        assertThat(status(job, "POST", "/import")).isEqualTo(200);
        assertThat(status(job, "GET", "/books/1")).isEqualTo(403);
        assertThat(status(id("spiffe://cluster.local/ns/batchx/sa/job"), "POST", "/import")).isEqualTo(403);
        assertThat(status(null, "GET", "/books/1")).isEqualTo(403); // plaintext: no identity
        // DENY beats ALLOW
        assertThat(status(web, "GET", "/books/admin/users")).isEqualTo(403);
        // the gateway's hop carries the gateway's identity
        assertThat(Mesh.viaGateway(gw, HOST, "/public/x").statusCode()).isEqualTo(200);
        assertThat(Mesh.viaGateway(gw, HOST, "/books/1").statusCode()).isEqualTo(403);
        // a dry run is not enforced
        assertThat(status(web, "GET", "/books/secret/1")).isEqualTo(200);

        String m = sidecarMetrics();
        assertThat(m).containsPattern("lattice_authz_decisions_total\\{decision=\"deny\",dry_run=\"false\",filter=\"lattice.authz.deny\","
                + "listener=\"[^\"]+\",policy=\"AuthorizationPolicy/default/no-admin/rules/0\"} 1\\.0");
        assertThat(m).containsPattern("lattice_authz_decisions_total\\{decision=\"deny\",dry_run=\"true\",filter=\"lattice.authz.deny\","
                + "listener=\"[^\"]+\",policy=\"AuthorizationPolicy/default/secrets-trial/rules/0\"} 1\\.0");
        assertThat(m).containsPattern("lattice_authz_decisions_total\\{decision=\"allow\",dry_run=\"false\",filter=\"lattice.authz.allow\","
                + "listener=\"[^\"]+\",policy=\"AuthorizationPolicy/default/readers/rules/1\"} 1\\.0");
        // the denial is logged with the policy that decided it
        Path log = dir.resolve(".lattice/logs/sidecar-default-books-v1.log");
        mesh.await("the denial is logged", Duration.ofSeconds(10), () -> Files.readString(log)
                .contains("authz denied: listener=inbound/" + app + " filter=lattice.authz.deny policy=AuthorizationPolicy/default/no-admin/rules/0"
                        + " principal=spiffe://cluster.local/ns/default/sa/web"));
    }

    @Test
    @Order(3)
    void aPolicyThatDoesNotValidateClosesAccessUntilItIsFixed() throws Exception {
        MtlsIT.Client web = id("spiffe://cluster.local/ns/default/sa/web");
        assertThat(status(web, "GET", "/books/1")).isEqualTo(200);
        Files.writeString(dir.resolve("authz.yaml"), POLICIES.replace("action: ALLOW", "action: ALOW"));
        mesh.await("the broken policy closes access", Duration.ofSeconds(30), () -> status(web, "GET", "/books/1") == 403);
        assertThat(Mesh.viaGateway(gw, HOST, "/public/x").statusCode()).isEqualTo(403);
        // the problem is reported with its place
        mesh.await("the problem is reported", Duration.ofSeconds(10),
                () -> mesh.output().contains("AuthorizationPolicy default/readers: spec.action"));
        // and in its status, as Gateway API policies report it
        mesh.await("the status says Invalid", Duration.ofSeconds(10), () -> {
            JsonNode a = mesh.adminJson("/api/v1/resources?kind=authorizationpolicies&name=readers").path(0).path("status").path("ancestors").path(0);
            return a.path("ancestorRef").path("name").asText().equals("books")
                    && a.path("conditions").path(0).path("reason").asText().equals("Invalid")
                    && a.path("conditions").path(0).path("message").asText().contains("spec.action");
        });
        Mesh.Result get = Mesh.run("get", "authorizationpolicy", "readers", "-o", "yaml", "--admin", "127.0.0.1:" + mesh.adminPort);
        assertThat(get.output()).contains("reason: Invalid").contains("status: \"False\"");
        Files.writeString(dir.resolve("authz.yaml"), POLICIES);
        mesh.await("the fixed policy serves again", Duration.ofSeconds(30), () -> status(web, "GET", "/books/1") == 200);
        assertThat(mesh.adminJson("/api/v1/resources?kind=authorizationpolicy&name=readers").path(0).path("status")
                .path("ancestors").path(0).path("conditions").path(0).path("reason").asText()).isEqualTo("Accepted");
        assertThat(status(web, "GET", "/books/admin/1")).isEqualTo(403);
    }

    static final String SMI = """
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: HTTPRouteGroup
            metadata: {name: books-routes, namespace: default}
            spec:
              matches:
              - name: read-one
                pathRegex: "/books/[0-9]+$"
                methods: [GET]
              - name: everything
                pathRegex: ".*"
                methods: ["*"]
            ---
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: TCPRoute
            metadata: {name: books-port, namespace: default}
            spec: {matches: {ports: [APP]}}
            ---
            apiVersion: access.smi-spec.io/v1alpha3
            kind: TrafficTarget
            metadata: {name: web-reads-books, namespace: default}
            spec:
              destination: {kind: ServiceAccount, name: books, namespace: default}
              rules:
              - {kind: TCPRoute, name: books-port}
              - {kind: HTTPRouteGroup, name: books-routes, matches: [read-one]}
              sources:
              - {kind: ServiceAccount, name: web, namespace: default}
            """;

    @Test
    @Order(4)
    void anSmiTrafficTargetAllowsOneSourceOnOneRouteAndRefusesTheRest() throws Exception {
        Files.deleteIfExists(dir.resolve("authz.yaml"));
        MtlsIT.Client web = id("spiffe://cluster.local/ns/default/sa/web");
        MtlsIT.Client other = id("spiffe://cluster.local/ns/default/sa/other");
        mesh.await("no policy: open", Duration.ofSeconds(30), () -> status(other, "GET", "/books/1") == 200);
        Files.writeString(dir.resolve("smi.yaml"), SMI.replace("APP", String.valueOf(app)));
        mesh.await("the TrafficTarget is enforced", Duration.ofSeconds(30), () -> status(other, "GET", "/books/1") == 403);
        assertThat(status(web, "GET", "/books/1")).isEqualTo(200);
        assertThat(status(web, "GET", "/books/1/reviews")).isEqualTo(403); // the regex ends with $
        assertThat(status(web, "POST", "/books/1")).isEqualTo(403);
        assertThat(status(web, "GET", "/orders/1")).isEqualTo(403);
        assertThat(status(id("spiffe://cluster.local/ns/batch/sa/web"), "GET", "/books/1")).isEqualTo(403);
        assertThat(status(null, "GET", "/books/1")).isEqualTo(403);
        assertThat(Mesh.viaGateway(gw, HOST, "/books/1").statusCode()).isEqualTo(403); // sa/gw is not a source
        assertThat(sidecarMetrics()).containsPattern("lattice_authz_decisions_total\\{decision=\"allow\",dry_run=\"false\","
                + "filter=\"lattice.authz.allow\",listener=\"[^\"]+\",policy=\"TrafficTarget/default/web-reads-books/rules/0\"} 1\\.0");

        // the gateway added as a second source, on every route: additive
        Files.writeString(dir.resolve("smi.yaml"), SMI.replace("APP", String.valueOf(app))
                .replace("matches: [read-one]}", "}")
                .replace("  - {kind: ServiceAccount, name: web, namespace: default}",
                        "  - {kind: ServiceAccount, name: web, namespace: default}\n  - {kind: ServiceAccount, name: gw}"));
        mesh.await("the gateway is a source", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/anything").statusCode() == 200);
        assertThat(status(web, "DELETE", "/x")).isEqualTo(200);
        assertThat(status(other, "GET", "/books/1")).isEqualTo(403);

        // a route group that does not validate never opens access; its problem names file, line and field
        Files.writeString(dir.resolve("smi.yaml"), SMI.replace("APP", String.valueOf(app)).replace("\"/books/[0-9]+$\"", "\"/books/([\""));
        mesh.await("the broken route group closes", Duration.ofSeconds(30), () -> status(web, "GET", "/books/1") == 403);
        mesh.await("the problem is reported", Duration.ofSeconds(10),
                () -> mesh.output().contains("smi.yaml:7: HTTPRouteGroup default/books-routes: spec.matches[0].pathRegex: not a regular expression"));
        Files.delete(dir.resolve("smi.yaml"));
        mesh.await("without TrafficTargets: open again", Duration.ofSeconds(30), () -> status(other, "GET", "/books/1") == 200);
    }

    static JsonNode gateway() throws IOException {
        for (JsonNode p : mesh.adminJson("/api/v1/proxies")) {
            if (p.path("id").asText().startsWith("gateway~")) return p;
        }
        throw new AssertionError("no gateway proxy");
    }

    @Test
    @Order(5)
    void aPolicyTargetingTheGatewayIsEnforcedAtTheGatewayOnly() throws Exception {
        Files.deleteIfExists(dir.resolve("smi.yaml"));
        mesh.await("open", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/private/1").statusCode() == 200);
        Files.writeString(dir.resolve("gateway-authz.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: edge, namespace: default}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
                  action: DENY
                  rules:
                  - to: [{operation: {paths: ["/private*"]}}]
                  - when: [{key: "request.headers[x-debug]", values: ["*"]}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: other-listener, namespace: default}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: https}]
                  action: DENY
                  rules: [{}]
                """);
        mesh.await("the gateway enforces its policy", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/private/1").statusCode() == 403);
        java.net.http.HttpResponse<String> denied = Mesh.viaGateway(gw, HOST, "/private/1");
        assertThat(denied.body()).isEqualTo("RBAC: access denied");
        assertThat(Mesh.viaGateway(gw, HOST, "/books/1").statusCode()).isEqualTo(200); // sectionName https is not this listener
        assertThat(Mesh.get(java.net.URI.create("http://127.0.0.1:" + gw + "/books/1"), java.util.Map.of("Host", HOST, "X-Debug", "1"))
                .statusCode()).isEqualTo(403);
        // the sidecar is not governed by a policy for the gateway
        assertThat(status(id("spiffe://cluster.local/ns/default/sa/other"), "GET", "/private/1")).isEqualTo(200);
        int admin = gateway().path("adminPort").asInt();
        String m = Mesh.get(java.net.URI.create("http://127.0.0.1:" + admin + "/stats/prometheus"), java.util.Map.of()).body();
        assertThat(m).containsPattern("lattice_authz_decisions_total\\{decision=\"deny\",dry_run=\"false\",filter=\"lattice.authz.deny\","
                + "listener=\"gateway/" + gw + "\",policy=\"AuthorizationPolicy/default/edge/rules/0\"} [1-9]");
        Files.delete(dir.resolve("gateway-authz.yaml"));
        mesh.await("open again", Duration.ofSeconds(30), () -> Mesh.viaGateway(gw, HOST, "/private/1").statusCode() == 200);
    }
}
