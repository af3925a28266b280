package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lattice.model.Resource;
import dev.lattice.proxy.filter.StaticRequest;
import dev.lattice.proxy.filter.rbac.RbacCheck;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AuthorizationPolicy in translation, judged by what it does: the sidecar inbound listener's RBAC filters are
 * evaluated with the proxy's own engine ({@link RbacCheck}) on requests from several identities.
 */
class AuthzTranslationTest {
    static final String WEB = "spiffe://cluster.local/ns/default/sa/web";
    static final String BATCH = "spiffe://cluster.local/ns/batch/sa/job";
    static final String OTHER = "spiffe://cluster.local/ns/default/sa/other";

    static List<HttpFilter> filters(String policies, List<Resource> rejected) throws InvalidProtocolBufferException {
        MeshTranslation t = MeshMtlsTranslationTest.translate(policies, MeshMtlsTranslationTest.TRUST, rejected);
        Listener l = MeshMtlsTranslationTest.inbound(t);
        HttpConnectionManager hcm = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        return hcm.getHttpFiltersList();
    }

    static String decide(List<HttpFilter> filters, String principal, String method, String path, Map<String, String> headers)
            throws Exception {
        StaticRequest r = new StaticRequest(method, path, "books.default:9080", 25080, ip("10.1.2.3"), principal, null, headers);
        RbacCheck.Verdict v = RbacCheck.evaluate("inbound/19080", filters, r);
        return v.allowed() ? "ALLOW" : "DENY " + v.policy();
    }

    static String decide(List<HttpFilter> f, String principal, String method, String path) throws Exception {
        return decide(f, principal, method, path, Map.of());
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String policy(String name, String created, String spec) {
        return "\n---\napiVersion: lattice.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: " + name
                + ", creationTimestamp: \"" + created + "\"}\nspec:\n" + spec.indent(2);
    }

    @Test
    void noPolicyNoFiltersAndTheRouterIsLast() throws Exception {
        List<HttpFilter> f = filters("", List.of());
        assertThat(f).extracting(HttpFilter::getName).containsExactly("envoy.filters.http.router");
    }

    @Test
    void allowMatrixOverPrincipalsNamespacesMethodsAndPathsWithDenyBeatingAllow() throws Exception {
        String yaml = policy("readers", "2026-01-01T00:00:00Z", """
                targetRefs: [{group: "", kind: Service, name: books}]
                action: ALLOW
                rules:
                - from: [{source: {principals: ["cluster.local/ns/default/sa/web"]}}]
                  to: [{operation: {methods: [GET, HEAD], paths: ["/books/*", "/health"]}}]
                - from: [{source: {namespaces: [batch]}}]
                  to: [{operation: {methods: [POST], paths: ["/import"]}}]
                """) + policy("no-admin", "2026-01-02T00:00:00Z", """
                action: DENY
                rules:
                - to: [{operation: {paths: ["/books/admin*"]}}]
                """);
        List<HttpFilter> f = filters(yaml, List.of());
        assertThat(f).extracting(HttpFilter::getName)
                .containsExactly("lattice.authz.deny", "lattice.authz.allow", "envoy.filters.http.router");
        assertThat(decide(f, WEB, "GET", "/books/1")).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "HEAD", "/health")).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "GET", "/health/x")).isEqualTo("DENY null");
        assertThat(decide(f, WEB, "DELETE", "/books/1")).isEqualTo("DENY null");
        assertThat(decide(f, WEB, "POST", "/import")).isEqualTo("DENY null");
        assertThat(decide(f, BATCH, "POST", "/import")).isEqualTo("ALLOW");
        assertThat(decide(f, BATCH, "GET", "/books/1")).isEqualTo("DENY null");
        assertThat(decide(f, OTHER, "GET", "/books/1")).isEqualTo("DENY null");
        assertThat(decide(f, null, "GET", "/books/1")).isEqualTo("DENY null");
        // DENY beats ALLOW
        assertThat(decide(f, WEB, "GET", "/books/admin/users")).isEqualTo("DENY AuthorizationPolicy/default/no-admin/rules/0");
        // a namespace is a whole path segment of the SPIFFE ID
        assertThat(decide(f, "spiffe://cluster.local/ns/batchx/sa/job", "POST", "/import")).isEqualTo("DENY null");
    }

    @Test
    void anAllowPolicyWithNoRulesDeniesAllAndWildcardsAndWhenConditionsMatchAsIstio() throws Exception {
        assertThat(decide(filters(policy("deny-all", "2026-01-01T00:00:00Z", "action: ALLOW\n"), List.of()), WEB, "GET", "/"))
                .isEqualTo("DENY null");
        List<HttpFilter> f = filters(policy("p", "2026-01-01T00:00:00Z", """
                rules:
                - from: [{source: {principals: ["*/sa/web"]}}]
                  to: [{operation: {hosts: ["books.default"], ports: [19080]}}]
                  when: [{key: "request.headers[x-tenant]", values: ["acme", "beta*"]}]
                - from: [{source: {principals: ["*"]}}]
                  to: [{operation: {paths: ["*.json"], ports: [8080]}}]
                """), List.of());
        assertThat(decide(f, WEB, "GET", "/x", Map.of("X-Tenant", "acme"))).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "GET", "/x", Map.of("x-tenant", "beta-2"))).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "GET", "/x", Map.of("x-tenant", "other"))).isEqualTo("DENY null");
        assertThat(decide(f, WEB, "GET", "/x")).isEqualTo("DENY null");
        // the second rule's port is not this listener's application port: it never matches here
        assertThat(decide(f, OTHER, "GET", "/a.json")).isEqualTo("DENY null");
    }

    static String decideAuth(List<HttpFilter> filters, String sub, Map<String, Object> claims) throws Exception {
        StaticRequest r = new StaticRequest("GET", "/books/1", "books.default:9080", 25080, ip("10.1.2.3"), WEB, null, Map.of());
        dev.lattice.proxy.filter.RequestView v = r;
        if (sub != null) {
            Map<String, Object> all = new java.util.HashMap<>(claims);
            all.put("iss", "https://issuer.example");
            all.put("sub", sub);
            v = r.withAuth(new dev.lattice.proxy.filter.RequestAuth("https://issuer.example", sub, List.of("books"), all));
        }
        RbacCheck.Verdict d = RbacCheck.evaluate("inbound/19080", filters, v);
        return d.allowed() ? "ALLOW" : "DENY " + d.policy();
    }

    @Test
    void requestPrincipalsAndClaimConditionsMatchTheVerifiedTokenAsIstio() throws Exception {
        List<HttpFilter> f = filters(policy("users", "2026-01-01T00:00:00Z", """
                targetRefs: [{group: "", kind: Service, name: books}]
                rules:
                - from: [{source: {requestPrincipals: ["https://issuer.example/alice", "https://other.example/*"]}}]
                - from: [{source: {requestPrincipals: ["*"]}}]
                  when:
                  - {key: "request.auth.claims[org][team]", values: ["ops"]}
                  - {key: request.auth.audiences, values: [books]}
                """) + policy("no-banned", "2026-01-02T00:00:00Z", """
                action: DENY
                rules:
                - when: [{key: "request.auth.claims[groups]", values: [banned]}]
                - from: [{source: {notRequestPrincipals: ["*"]}}]
                  to: [{operation: {paths: ["/private/*"]}}]
                """), List.of());
        assertThat(decideAuth(f, "alice", Map.of())).isEqualTo("ALLOW");
        assertThat(decideAuth(f, "bob", Map.of())).isEqualTo("DENY null");
        assertThat(decideAuth(f, null, Map.of())).as("no token: no request principal").isEqualTo("DENY null");
        assertThat(decideAuth(f, "bob", Map.of("org", Map.of("team", "ops")))).isEqualTo("ALLOW");
        assertThat(decideAuth(f, "bob", Map.of("org", Map.of("team", "shelf")))).isEqualTo("DENY null");
        assertThat(decideAuth(f, "alice", Map.of("groups", List.of("readers", "banned"))))
                .isEqualTo("DENY AuthorizationPolicy/default/no-banned/rules/0");
        assertThat(decideAuth(f, "alice", Map.of("groups", "banned"))).isEqualTo("DENY AuthorizationPolicy/default/no-banned/rules/0");
        // a notRequestPrincipals rule matches the requests without a token
        StaticRequest anon = new StaticRequest("GET", "/private/x", "books.default:9080", 25080, ip("10.1.2.3"), WEB, null, Map.of());
        assertThat(RbacCheck.evaluate("inbound/19080", f, anon).policy()).isEqualTo("AuthorizationPolicy/default/no-banned/rules/1");
    }

    @Test
    void dryRunIsShadowAndAuditOnlyCounts() throws Exception {
        List<HttpFilter> f = filters(policy("would-deny", "2026-01-01T00:00:00Z", """
                action: DENY
                dryRun: true
                rules: [{to: [{operation: {methods: [DELETE]}}]}]
                """) + policy("audit", "2026-01-01T00:00:00Z", """
                action: AUDIT
                rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
                """), List.of());
        assertThat(f).extracting(HttpFilter::getName)
                .containsExactly("lattice.authz.audit", "lattice.authz.deny", "envoy.filters.http.router");
        assertThat(XdsJson.print(f.get(1))).as("the admin API's xDS dump knows the RBAC types")
                .contains("\"shadow_rules\"", "envoy.extensions.filters.http.rbac.v3.RBAC");
        StaticRequest del = new StaticRequest("DELETE", "/admin/x", "books", 25080, ip("10.0.0.1"), WEB, null, Map.of());
        RbacCheck.Verdict v = RbacCheck.evaluate("t", f, del);
        assertThat(v.allowed()).isTrue();
        assertThat(v.dryRunDenials()).containsExactly("AuthorizationPolicy/default/would-deny/rules/0");
        assertThat(v.audits()).containsExactly("AuthorizationPolicy/default/audit/rules/0");
    }

    /** A rejected object as the source hands it over: its raw YAML, which does not validate. */
    static Resource raw(String name, String spec) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree("apiVersion: lattice.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: " + name
                                + ", namespace: default}\nspec:\n" + spec.indent(2));
        Resource cm = MeshTranslatorTest.load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").get(0);
        return new Resource(new dev.lattice.model.ResourceKey("AuthorizationPolicy", "default", name), "lattice.dev/v1alpha1",
                cm.source(), o);
    }

    @Test
    void aPolicyThatDoesNotValidateClosesItsTargets() throws Exception {
        Resource broken = raw("broken", "targetRefs: [{group: \"\", kind: Service, name: books}]\naction: ALOW\n");
        assertThat(decide(filters("", List.of(broken)), WEB, "GET", "/")).isEqualTo("DENY AuthorizationPolicy/default/broken/invalid");
        // its last good version may have allowed this caller: the broken one still closes
        String good = policy("broken", "2026-01-01T00:00:00Z", "rules: [{from: [{source: {principals: [\"*\"]}}]}]\n");
        assertThat(decide(filters(good, List.of(broken)), WEB, "GET", "/")).isEqualTo("DENY AuthorizationPolicy/default/broken/invalid");
        // a broken policy for another Service does not close this one
        Resource elsewhere = raw("elsewhere", "targetRefs: [{group: \"\", kind: Service, name: nothing}]\naction: ALOW\n");
        assertThat(decide(filters("", List.of(elsewhere)), WEB, "GET", "/")).isEqualTo("ALLOW");
        // targets that cannot be read close the whole namespace
        Resource unreadable = raw("unreadable", "targetRefs: {kind: Service}\n");
        assertThat(decide(filters("", List.of(unreadable)), WEB, "GET", "/")).startsWith("DENY ");
    }

    @Test
    void rootNamespacePoliciesApplyMeshWideAndOtherNamespacesDoNot() throws Exception {
        String other = "\n---\napiVersion: lattice.dev/v1alpha1\nkind: AuthorizationPolicy\n"
                + "metadata: {name: x, namespace: shop}\nspec: {action: DENY, rules: [{}]}\n";
        assertThat(decide(filters(other, List.of()), WEB, "GET", "/")).isEqualTo("ALLOW");
        String root = other.replace("namespace: shop", "namespace: lattice-system");
        assertThat(decide(filters(root, List.of()), WEB, "GET", "/")).isEqualTo("DENY AuthorizationPolicy/lattice-system/x/rules/0");
    }

    static final String SMI = """
            ---
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: HTTPRouteGroup
            metadata: {name: books-routes}
            spec:
              matches:
              - name: read
                pathRegex: "/books/[0-9]+"
                methods: [GET]
              - name: android
                headers: {user-agent: ".*Android.*"}
              - name: anything
                pathRegex: ".*"
                methods: ["*"]
            ---
            apiVersion: specs.smi-spec.io/v1alpha4
            kind: TCPRoute
            metadata: {name: app-port}
            spec: {matches: {ports: [19080]}}
            ---
            apiVersion: access.smi-spec.io/v1alpha3
            kind: TrafficTarget
            metadata: {name: web-reads}
            spec:
              destination: {kind: ServiceAccount, name: books, namespace: default}
              rules:
              - {kind: TCPRoute, name: app-port}
              - {kind: HTTPRouteGroup, name: books-routes, matches: [read, android]}
              sources:
              - {kind: ServiceAccount, name: web, namespace: default}
            """;

    @Test
    void smiTrafficTargetAllowsItsSourcesOnItsRoutesAndDeniesTheRest() throws Exception {
        List<HttpFilter> f = filters(SMI, List.of());
        assertThat(f).extracting(HttpFilter::getName).containsExactly("lattice.authz.allow", "envoy.filters.http.router");
        assertThat(decide(f, WEB, "GET", "/books/12")).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "GET", "/books/12/reviews?x=1")).isEqualTo("ALLOW"); // anchored at the start only
        assertThat(decide(f, WEB, "GET", "/v2/books/12")).isEqualTo("DENY null");
        assertThat(decide(f, WEB, "POST", "/books/12")).isEqualTo("DENY null");
        assertThat(decide(f, WEB, "DELETE", "/x", Map.of("User-Agent", "Mozilla/5.0 (Linux; Android 14)"))).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "DELETE", "/x", Map.of("User-Agent", "curl/8"))).isEqualTo("DENY null");
        assertThat(decide(f, OTHER, "GET", "/books/12")).isEqualTo("DENY null");
        assertThat(decide(f, BATCH, "GET", "/books/12")).isEqualTo("DENY null");
        assertThat(decide(f, null, "GET", "/books/12")).isEqualTo("DENY null");
        // a source of another trust domain is not the source
        assertThat(decide(f, "spiffe://other.example/ns/default/sa/web", "GET", "/books/12")).isEqualTo("DENY null");

        // a second TrafficTarget adds to the first; an AuthorizationPolicy DENY still beats both
        String more = SMI + """
                ---
                apiVersion: access.smi-spec.io/v1alpha2
                kind: TrafficTarget
                metadata: {name: batch-all}
                spec:
                  destination: {kind: ServiceAccount, name: books, namespace: default, port: 19080}
                  rules: [{kind: HTTPRouteGroup, name: books-routes, matches: [anything]}]
                  sources: [{kind: ServiceAccount, name: job, namespace: batch}]
                """ + policy("no-admin", "2026-01-02T00:00:00Z", "action: DENY\nrules: [{to: [{operation: {paths: [\"/admin\"]}}]}]\n");
        f = filters(more, List.of());
        assertThat(decide(f, BATCH, "POST", "/anything")).isEqualTo("ALLOW");
        assertThat(decide(f, WEB, "POST", "/anything")).isEqualTo("DENY null");
        assertThat(decide(f, BATCH, "GET", "/admin")).isEqualTo("DENY AuthorizationPolicy/default/no-admin/rules/0");
    }

    @Test
    void smiPortsAndBrokenOrMissingSpecsNeverOpenAccess() throws Exception {
        // the TCPRoute's port is not this listener's: the TrafficTarget names the destination and allows nothing here
        assertThat(decide(filters(SMI.replace("ports: [19080]", "ports: [5432]"), List.of()), WEB, "GET", "/books/1"))
                .isEqualTo("DENY null");
        // a TCPRoute with no ports allows every port
        assertThat(decide(filters(SMI.replace("ports: [19080]", "ports: []"), List.of()), WEB, "GET", "/books/1"))
                .isEqualTo("ALLOW");
        // a TrafficTarget naming a route group that does not exist allows nothing
        assertThat(decide(filters(SMI.replace("name: books-routes, matches", "name: nope, matches"), List.of()), WEB, "GET", "/books/1"))
                .isEqualTo("DENY null");
        // only TCP rules: every request on the port, from the sources
        String tcpOnly = SMI.replace("  - {kind: HTTPRouteGroup, name: books-routes, matches: [read, android]}\n", "");
        assertThat(decide(filters(tcpOnly, List.of()), WEB, "DELETE", "/anything")).isEqualTo("ALLOW");
        assertThat(decide(filters(tcpOnly, List.of()), OTHER, "GET", "/")).isEqualTo("DENY null");
        // a route group whose new version does not validate closes its part, even with a last good version
        Resource badGroup = smiRaw("specs.smi-spec.io/v1alpha4", "HTTPRouteGroup", "books-routes",
                "matches: [{name: read, pathRegex: \"([\"}]\n");
        assertThat(decide(filters(SMI, List.of(badGroup)), WEB, "GET", "/books/1")).isEqualTo("DENY null");
        // a TrafficTarget that does not validate closes its destination, whatever else allows
        Resource badTarget = smiRaw("access.smi-spec.io/v1alpha3", "TrafficTarget", "web-reads",
                "destination: {kind: ServiceAccount, name: books}\nrules: []\nsources: []\n");
        assertThat(decide(filters(SMI, List.of(badTarget)), WEB, "GET", "/books/1")).isEqualTo("DENY TrafficTarget/default/web-reads/invalid");
        // ... but not another ServiceAccount's workloads
        Resource elsewhere = smiRaw("access.smi-spec.io/v1alpha3", "TrafficTarget", "x",
                "destination: {kind: ServiceAccount, name: ratings}\nrules: []\n");
        assertThat(decide(filters("", List.of(elsewhere)), WEB, "GET", "/")).isEqualTo("ALLOW");
    }

    static Resource smiRaw(String apiVersion, String kind, String name, String spec) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree("apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata: {name: " + name
                                + ", namespace: default}\nspec:\n" + spec.indent(2));
        Resource cm = MeshTranslatorTest.load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").get(0);
        return new Resource(new dev.lattice.model.ResourceKey(dev.lattice.model.Models.keyKind(apiVersion, kind), "default", name),
                apiVersion, cm.source(), o);
    }
}
