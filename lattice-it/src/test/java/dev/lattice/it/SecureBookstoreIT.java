package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/secure-bookstore as a user runs it (ports moved to free ones): STRICT mTLS in the namespace, default deny,
 * the gateway allowed to read books and reviews only, ratings only for reviews, and no DELETE for anyone; and the
 * {@code lattice authz check} lines of docs/security.md, run against the example as written.
 */
class SecureBookstoreIT {
    static final String HOST = "bookstore.example";
    static Mesh mesh;
    static Path dir;
    static int gw;

    @BeforeAll
    static void up() throws Exception {
        gw = Mesh.freePort();
        Map<String, String> replace = new HashMap<>();
        replace.put("port: 8080", "port: " + gw);
        for (String p : List.of("19080", "19081", "19082", "19083")) replace.put(p, String.valueOf(Mesh.freePort()));
        dir = Mesh.copy(Mesh.repo().resolve("examples/secure-bookstore"), replace);
        mesh = Mesh.upAndServing(dir, 5, gw, HOST, "/books");
    }

    @AfterAll
    static void down() {
        if (mesh != null) mesh.close();
    }

    static int inbound(String workload) throws IOException {
        return mesh.inboundPort("sidecar~default~" + workload);
    }

    static MtlsIT.Client id(String sa) throws Exception {
        return MtlsIT.client("spiffe://cluster.local/ns/default/sa/" + sa, MtlsIT.root(dir), MtlsIT.rootKey(dir),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    static String mtls(String workload, MtlsIT.Client c, String method, String path) throws Exception {
        String a = MtlsIT.tls(inbound(workload), c, method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").answer();
        return a.length() < 12 ? a : a.substring(0, 12);
    }

    @Test
    void theGatewayReadsBooksAndReviewsAndNothingElse() throws Exception {
        assertThat(Mesh.viaGateway(gw, HOST, "/books/1").statusCode()).isEqualTo(200);
        assertThat(Mesh.viaGateway(gw, HOST, "/reviews/1").statusCode()).isEqualTo(200);
        var ratings = Mesh.viaGateway(gw, HOST, "/ratings/1");
        assertThat(ratings.statusCode()).isEqualTo(403);
        assertThat(ratings.body()).isEqualTo("RBAC: access denied");
        var delete = Mesh.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + gw + "/books/1"))
                .header("Host", HOST).DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(403);
    }

    @Test
    void strictMtlsAndPerServicePolicies() throws Exception {
        // STRICT: a plaintext caller gets no HTTP answer at all
        assertThat(MtlsIT.plaintext(inbound("books-v1"))).doesNotStartWith("HTTP/");
        assertThat(mtls("ratings-v1", id("reviews"), "GET", "/ratings/1")).isEqualTo("HTTP/1.1 200");
        assertThat(mtls("ratings-v1", id("reviews"), "POST", "/ratings/1")).isEqualTo("HTTP/1.1 403");
        assertThat(mtls("ratings-v1", id("bookstore"), "GET", "/ratings/1")).isEqualTo("HTTP/1.1 403");
        assertThat(mtls("books-v1", id("bookstore"), "GET", "/books/1")).isEqualTo("HTTP/1.1 200");
        assertThat(mtls("books-v1", id("reviews"), "GET", "/books/1")).isEqualTo("HTTP/1.1 403"); // default deny
        assertThat(mtls("reviews-v2", id("bookstore"), "DELETE", "/reviews/1")).isEqualTo("HTTP/1.1 403");
    }

    @Test
    void theAuthzCheckLinesOfTheDocsHoldForTheExampleAsWritten() throws Exception {
        String example = Mesh.repo().resolve("examples/secure-bookstore").toString();
        Mesh.Result a = Mesh.run("authz", "check", "--dir", example, "--from", "cluster.local/ns/default/sa/reviews", "--to", "ratings", "GET", "/ratings/1");
        assertThat(a.exit()).as(a.output()).isZero();
        assertThat(a.output()).contains("ALLOW").contains("AuthorizationPolicy/default/ratings-from-reviews/rules/0");
        Mesh.Result b = Mesh.run("authz", "check", "--dir", example, "--from", "cluster.local/ns/default/sa/bookstore", "--to", "ratings", "GET", "/ratings/1");
        assertThat(b.exit()).as(b.output()).isEqualTo(1);
        assertThat(b.output()).contains("DENY");
        Mesh.Result c = Mesh.run("authz", "check", "--dir", example, "--from", "cluster.local/ns/default/sa/bookstore", "--to", "books", "DELETE", "/books/1");
        assertThat(c.exit()).as(c.output()).isEqualTo(1);
        assertThat(c.output()).contains("AuthorizationPolicy/default/no-deletes/rules/0");
    }
}
