package dev.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lattice authz check} on a directory, with a policy tried by -f before it is applied. */
class AuthzCommandTest {
    static final String MESH = """
            apiVersion: v1
            kind: Service
            metadata: {name: reviews}
            spec:
              selector: {app: reviews}
              ports: [{name: http, port: 9080, targetPort: http}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: reviews-v1, labels: {app: reviews}}
            spec:
              ports: [{name: http, port: 19080}]
              serviceAccount: reviews
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: reviews-readers, namespace: default}
            spec:
              targetRefs: [{group: "", kind: Service, name: reviews}]
              rules:
              - from: [{source: {principals: ["cluster.local/ns/default/sa/productpage"]}}]
                to: [{operation: {methods: [GET]}}]
                when: [{key: "request.headers[x-tenant]", values: [acme]}]
            """;

    record Run(int exit, String out) {}

    static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int exit = new picocli.CommandLine(new Main()).execute(args);
            return new Run(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void allowDenyAndATriedPolicy(@TempDir Path dir, @TempDir Path elsewhere) throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), MESH);
        String pp = "spiffe://cluster.local/ns/default/sa/productpage";
        Run ok = run("authz", "check", "--dir", dir.toString(), "--from", pp, "--to", "reviews", "GET", "/r/1", "-H", "X-Tenant: acme");
        assertThat(ok.out()).startsWith("ALLOW  (AuthorizationPolicy/default/reviews-readers/rules/0)");
        assertThat(ok.exit()).isZero();
        Run noHeader = run("authz", "check", "--dir", dir.toString(), "--from", pp, "--to", "reviews.default", "GET", "/r/1");
        assertThat(noHeader.out()).startsWith("DENY   (no ALLOW policy matched)");
        assertThat(noHeader.exit()).isEqualTo(1);
        Run other = run("authz", "check", "--dir", dir.toString(), "--from", "cluster.local/ns/default/sa/ratings", "--to", "reviews",
                "GET", "/r/1", "-H", "x-tenant:acme");
        assertThat(other.exit()).isEqualTo(1);

        Path deny = elsewhere.resolve("deny.yaml");
        Files.writeString(deny, """
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: no-gets, namespace: default}
                spec: {action: DENY, rules: [{to: [{operation: {paths: ["/r/*"]}}]}]}
                """);
        Run tried = run("authz", "check", "--dir", dir.toString(), "-f", deny.toString(), "--from", pp, "--to", "reviews", "GET", "/r/1",
                "-H", "x-tenant: acme");
        assertThat(tried.out()).startsWith("DENY   (AuthorizationPolicy/default/no-gets/rules/0)");

        Run bad = run("authz", "check", "--dir", dir.toString(), "--from", pp, "--to", "nothing", "GET", "/");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.out()).contains("no Service default/nothing");
    }

    @Test
    void endUserClaimsFromAJwtOrAsJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), MESH.substring(0, MESH.indexOf("---\napiVersion: lattice.dev/v1alpha1\nkind: AuthorizationPolicy")) + """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: alice-only, namespace: default}
                spec:
                  targetRefs: [{group: "", kind: Service, name: reviews}]
                  rules:
                  - from: [{source: {requestPrincipals: ["https://issuer.example/alice"]}}]
                    when: [{key: "request.auth.claims[groups]", values: [readers]}]
                """);
        String claims = "{\"iss\":\"https://issuer.example\",\"sub\":\"alice\",\"groups\":[\"readers\",\"staff\"]}";
        Run ok = run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1", "--claims", claims);
        assertThat(ok.out()).startsWith("ALLOW  (AuthorizationPolicy/default/alice-only/rules/0)");
        Run bob = run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1", "--claims", claims.replace("alice", "bob"));
        assertThat(bob.exit()).isEqualTo(1);
        assertThat(run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1").exit()).as("no token").isEqualTo(1);
        // a token as a client sends it (the signature is not checked here: the header and payload are what count)
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(new byte[] {1, 2, 3});
        assertThat(run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1", "--jwt", token).out())
                .startsWith("ALLOW  (AuthorizationPolicy/default/alice-only/rules/0)");
        Run notJwt = run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1", "--jwt", "nonsense");
        assertThat(notJwt.exit()).isEqualTo(2);
        assertThat(notJwt.out()).contains("--jwt: not a JWT");
        assertThat(run("authz", "check", "--dir", dir.toString(), "--to", "reviews", "GET", "/r/1", "--claims", "[1]").out())
                .contains("--claims: not a JSON object of claims");
    }
}
