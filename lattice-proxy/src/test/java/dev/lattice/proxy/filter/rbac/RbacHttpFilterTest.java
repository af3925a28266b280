package dev.lattice.proxy.filter.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.Test;

/** The RBAC filter's run-time behaviour: what it answers, and what it counts. */
class RbacHttpFilterTest {
    private final ProxyMetrics metrics = new ProxyMetrics();

    private RbacHttpFilter filter(String fixture, String name) throws Exception {
        return new RbacHttpFilter("inbound", name, RbacParserTest.fixture(fixture), metrics);
    }

    private String count(String name, String policy, String decision, boolean dryRun) {
        return "lattice_authz_decisions_total{decision=\"" + decision + "\",dry_run=\"" + dryRun + "\",filter=\"" + name
                + "\",listener=\"inbound\",policy=\"" + policy + "\"} ";
    }

    @Test
    void aDenyPolicyAnswers403AndCountsThePolicyThatDecided() throws Exception {
        RbacHttpFilter f = filter("deny-delete.json", "lattice.authz.deny");
        String me = "spiffe://cluster.local/ns/default/sa/a";
        RbacParserTest.Req delete = RbacParserTest.Req.of("DELETE", "/reviews/1", me);
        LocalReply r = f.onRequestHeaders(delete);
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(403);
        assertThat(f.onRequestHeaders(delete)).isNotNull();
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/reviews/1", me))).isNull();
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/reviews/1", null))).isNotNull();
        String scrape = metrics.scrape();
        assertThat(scrape).contains(count("lattice.authz.deny", "AuthorizationPolicy/default/no-deletes/rules/0", "deny", false) + "2.0")
                .contains(count("lattice.authz.deny", "AuthorizationPolicy/default/no-anonymous/rules/0", "deny", false) + "1.0");
        // a DENY filter's "nothing matched" is not counted: every allowed request would be
        assertThat(scrape).doesNotContain("decision=\"allow\"");
    }

    @Test
    void anAllowFilterWithNoMatchDeniesAndCountsItWithNoPolicy() throws Exception {
        RbacHttpFilter f = filter("allow-nothing.json", "lattice.authz.allow");
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/", "spiffe://cluster.local/ns/default/sa/a")).status())
                .isEqualTo(403);
        assertThat(metrics.scrape()).contains(count("lattice.authz.allow", "", "deny", false) + "1.0");
    }

    @Test
    void dryRunCountsWouldBeDenialsAndNeverDenies() throws Exception {
        RbacHttpFilter f = filter("dry-run.json", "lattice.authz.deny");
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("POST", "/x", null))).isNull();
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("POST", "/y", null))).isNull();
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/x", null))).isNull();
        assertThat(metrics.scrape())
                .contains(count("lattice.authz.deny", "AuthorizationPolicy/default/would-deny-posts/rules/0", "deny", true) + "2.0");
    }

    @Test
    void auditCountsMatchesAndNeverDenies() throws Exception {
        RbacHttpFilter f = filter("audit.json", "lattice.authz.audit");
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/admin/users", null))).isNull();
        assertThat(f.onRequestHeaders(RbacParserTest.Req.of("GET", "/public", null))).isNull();
        String scrape = metrics.scrape();
        assertThat(scrape).contains(count("lattice.authz.audit", "AuthorizationPolicy/default/audit-admin/rules/0", "audit", false) + "1.0");
        assertThat(scrape).doesNotContain("decision=\"deny\"");
    }

    @Test
    void aDenyOnAClaimOfTheVerifiedTokenAnswers403AndLetsTheOthersThrough() throws Exception {
        RbacFilterConfig c = RbacParserTest.json("""
                {"rules": {"action": "DENY", "policies": {"AuthorizationPolicy/default/no-banned/rules/0": {"permissions": [{"any": true}],
                 "principals": [%s]}}}}""".formatted(RbacParserTest.meta("{\"key\": \"request.auth.claims\"}, {\"key\": \"groups\"}",
                "{\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"exact\": \"banned\"}}}}")));
        RbacHttpFilter f = new RbacHttpFilter("inbound", "lattice.authz.deny", c, metrics);
        LocalReply r = f.onRequestHeaders(RbacParserTest.token("https://issuer", "mallory", java.util.List.of(),
                java.util.Map.of("groups", java.util.List.of("readers", "banned"))));
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(403);
        assertThat(f.onRequestHeaders(RbacParserTest.token("https://issuer", "alice", java.util.List.of(),
                java.util.Map.of("groups", java.util.List.of("readers"))))).isNull();
        assertThat(f.onRequestHeaders(RbacParserTest.NO_TOKEN)).isNull();
        assertThat(metrics.scrape()).contains(count("lattice.authz.deny", "AuthorizationPolicy/default/no-banned/rules/0", "deny", false) + "1.0");
    }
}
