package dev.lattice.proxy.filter.rbac;

import dev.lattice.proxy.filter.RequestView;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RbacParserTest {
    private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/productpage";

    /** A request as a filter would present it. */
    record Req(String method, String pathAndQuery, String authority, int destinationPort, InetAddress directRemoteAddress,
               String principal, Map<String, String> headers) implements RequestView {
        static Req of(String method, String path, String principal) {
            return new Req(method, path, "reviews.default:9080", 9080, ip("127.0.0.1"), principal, Map.of());
        }

        Req from(String ip) {
            return new Req(method, pathAndQuery, authority, destinationPort, ip(ip), principal, headers);
        }

        Req port(int p) {
            return new Req(method, pathAndQuery, authority, p, directRemoteAddress, principal, headers);
        }

        Req authority(String a) {
            return new Req(method, pathAndQuery, a, destinationPort, directRemoteAddress, principal, headers);
        }

        Req header(String k, String v) {
            Map<String, String> h = new HashMap<>(headers);
            h.put(k, v);
            return new Req(method, pathAndQuery, authority, destinationPort, directRemoteAddress, principal, h);
        }

        @Override
        public String path() {
            int q = pathAndQuery.indexOf('?');
            return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        }

        @Override
        public InetAddress remoteAddress() {
            return directRemoteAddress;
        }

        @Override
        public String requestedServerName() {
            return null;
        }

        @Override
        public CharSequence header(String name) {
            return headers.get(name);
        }
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static RbacFilterConfig fixture(String name) throws Exception {
        try (InputStream in = RbacParserTest.class.getResourceAsStream("/rbac/" + name)) {
            RBAC.Builder b = RBAC.newBuilder();
            JsonFormat.parser().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), b);
            return RbacParser.parse("listener inbound/9080", "http_filters[0].typed_config", Any.pack(b.build()));
        }
    }

    static RbacFilterConfig json(String json) throws Exception {
        RBAC.Builder b = RBAC.newBuilder();
        JsonFormat.parser().merge(json, b);
        return RbacParser.parse("listener inbound/9080", "http_filters[0].typed_config", Any.pack(b.build()));
    }

    @Test
    void allowPoliciesMatchPrincipalsByExactRegexPrefixAndSuffix() throws Exception {
        RbacFilterConfig c = fixture("allow-istio.json");
        String readers = "AuthorizationPolicy/default/reviews-readers/rules/0";
        assertThat(c.enforce(Req.of("GET", "/reviews/1", PRODUCTPAGE))).extracting("allowed", "policy").containsExactly(true, readers);
        assertThat(c.enforce(Req.of("GET", "/reviews/1", "spiffe://cluster.local/ns/frontend/sa/web")).allowed()).isTrue();
        assertThat(c.enforce(Req.of("GET", "/reviews/1", "spiffe://cluster.local/ns/batch/sa/x")).allowed()).isTrue();
        assertThat(c.enforce(Req.of("GET", "/reviews/1", "spiffe://other.example/ns/q/sa/auditor")).allowed()).isTrue();
        // another identity, no identity
        RbacEngine.Decision d = c.enforce(Req.of("GET", "/reviews/1", "spiffe://cluster.local/ns/default/sa/ratings"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.policy()).isNull();
        assertThat(c.enforce(Req.of("GET", "/reviews/1", null)).allowed()).isFalse();
        // frontend must be a whole path segment of the ID
        assertThat(c.enforce(Req.of("GET", "/reviews/1", "spiffe://cluster.local/ns/frontendx/sa/web")).allowed()).isFalse();
    }

    @Test
    void methodsPathsAndNotRulesNarrowThePermission() throws Exception {
        RbacFilterConfig c = fixture("allow-istio.json");
        assertThat(c.enforce(Req.of("POST", "/reviews/1", PRODUCTPAGE)).allowed()).isFalse();
        assertThat(c.enforce(Req.of("GET", "/health", PRODUCTPAGE)).allowed()).isTrue();
        assertThat(c.enforce(Req.of("GET", "/health/x", PRODUCTPAGE)).allowed()).isFalse();
        assertThat(c.enforce(Req.of("GET", "/x/data.json", PRODUCTPAGE)).allowed()).isTrue();
        // the query is not part of the path
        assertThat(c.enforce(Req.of("GET", "/reviews/1?x=.json", PRODUCTPAGE)).allowed()).isTrue();
        assertThat(c.enforce(Req.of("GET", "/other?f=/reviews/", PRODUCTPAGE)).allowed()).isFalse();
        assertThat(c.enforce(Req.of("GET", "/reviews/admin/1", PRODUCTPAGE)).allowed()).isFalse();
    }

    @Test
    void ipBlocksPortRangesHeadersAndAnyAuthenticatedPeer() throws Exception {
        RbacFilterConfig c = fixture("allow-istio.json");
        String ops = "AuthorizationPolicy/default/ops-net/rules/0";
        Req base = Req.of("DELETE", "/anything", null).port(9050);
        assertThat(c.enforce(base.from("10.1.200.7")).policy()).isEqualTo(ops);
        assertThat(c.enforce(base.from("10.2.0.1")).allowed()).isFalse();
        assertThat(c.enforce(base.from("fd12::1")).allowed()).isTrue();
        assertThat(c.enforce(base.from("fe00::1")).allowed()).isFalse();
        assertThat(c.enforce(base.from("::ffff:10.1.0.9")).allowed()).isTrue(); // v4-mapped peer
        assertThat(c.enforce(base.from("10.1.0.1").port(9100)).allowed()).isFalse(); // range end is exclusive

        Req canary = Req.of("PUT", "/x", "spiffe://cluster.local/ns/a/sa/b").header("x-canary", "yes").authority("Reviews.default:9080");
        assertThat(c.enforce(canary).policy()).isEqualTo("AuthorizationPolicy/default/canary/rules/0");
        assertThat(c.enforce(canary.header("x-canary", "no")).allowed()).isFalse();
        assertThat(c.enforce(canary.port(9081)).allowed()).isFalse();
        assertThat(c.enforce(Req.of("PUT", "/x", null).header("x-canary", "yes")).allowed()).isFalse(); // needs a peer
    }

    @Test
    void denyFiltersDenyOnAMatchAndADenyBeforeAnAllowWins() throws Exception {
        RbacFilterConfig deny = fixture("deny-delete.json");
        RbacFilterConfig allow = fixture("allow-istio.json");
        RbacEngine.Decision d = deny.enforce(Req.of("DELETE", "/reviews/1", PRODUCTPAGE));
        assertThat(d).extracting("allowed", "policy").containsExactly(false, "AuthorizationPolicy/default/no-deletes/rules/0");
        assertThat(deny.enforce(Req.of("GET", "/reviews/1", PRODUCTPAGE)).allowed()).isTrue();
        assertThat(deny.enforce(Req.of("GET", "/reviews/1", null)).policy()).isEqualTo("AuthorizationPolicy/default/no-anonymous/rules/0");
        // the chain: deny first, then allow; DELETE from productpage would not be allowed by ALLOW anyway, GET is allowed by both
        Req get = Req.of("GET", "/reviews/1", PRODUCTPAGE);
        assertThat(deny.enforce(get).allowed() && allow.enforce(get).allowed()).isTrue();
        Req del = Req.of("DELETE", "/reviews/1", "spiffe://cluster.local/ns/default/sa/productpage");
        assertThat(deny.enforce(del).allowed()).isFalse();
    }

    @Test
    void policiesAreEvaluatedInNameOrderForTheReportedPolicy() throws Exception {
        RbacFilterConfig deny = fixture("deny-delete.json");
        // both policies match an anonymous DELETE: the first by name is reported
        assertThat(deny.enforce(Req.of("DELETE", "/", null)).policy()).isEqualTo("AuthorizationPolicy/default/no-anonymous/rules/0");
        assertThat(deny.rules().policyNames()).containsExactly("AuthorizationPolicy/default/no-anonymous/rules/0",
                "AuthorizationPolicy/default/no-deletes/rules/0");
    }

    @Test
    void shadowRulesReportWithoutEnforcing() throws Exception {
        RbacFilterConfig c = fixture("dry-run.json");
        Req post = Req.of("POST", "/x", null);
        assertThat(c.enforce(post)).isNull();
        RbacEngine.Decision s = c.shadow(post);
        assertThat(s).extracting("allowed", "policy").containsExactly(false, "AuthorizationPolicy/default/would-deny-posts/rules/0");
        assertThat(c.shadow(Req.of("GET", "/x", null)).allowed()).isTrue();
        assertThat(c.shadowRulesStatPrefix()).isEqualTo("dry_run_");
        assertThat(c.active()).isTrue();
    }

    @Test
    void anAllowWithoutPoliciesDeniesEverythingAndNoRulesEnforceNothing() throws Exception {
        RbacFilterConfig none = fixture("allow-nothing.json");
        assertThat(none.enforce(Req.of("GET", "/", PRODUCTPAGE)).allowed()).isFalse();
        RbacFilterConfig empty = json("{}");
        assertThat(empty.enforce(Req.of("GET", "/", PRODUCTPAGE))).isNull();
        assertThat(empty.active()).isFalse();
    }

    @Test
    void logAlwaysAllowsAndReportsMatches() throws Exception {
        RbacFilterConfig c = fixture("audit.json");
        RbacEngine.Decision m = c.enforce(Req.of("GET", "/admin/x", null));
        assertThat(m.allowed()).isTrue();
        assertThat(m.matched()).isTrue();
        RbacEngine.Decision n = c.enforce(Req.of("GET", "/x", null));
        assertThat(n.allowed()).isTrue();
        assertThat(n.matched()).isFalse();
    }

    @Test
    void headerMatchersFollowEnvoyForAbsentHeadersPresenceAndInversion() throws Exception {
        String tmpl = """
                {"rules": {"action": "ALLOW", "policies": {"p": {"permissions": [{"header": %s}], "principals": [{"any": true}]}}}}""";
        RbacFilterConfig present = json(tmpl.formatted("{\"name\": \"x-a\", \"presentMatch\": true}"));
        RbacFilterConfig absent = json(tmpl.formatted("{\"name\": \"x-a\", \"presentMatch\": false}"));
        RbacFilterConfig inverted = json(tmpl.formatted("{\"name\": \"x-a\", \"stringMatch\": {\"exact\": \"1\"}, \"invertMatch\": true}"));
        RbacFilterConfig contains = json(tmpl.formatted("{\"name\": \"X-A\", \"stringMatch\": {\"contains\": \"bc\"}}"));
        Req without = Req.of("GET", "/", null);
        Req with = without.header("x-a", "abcd");
        assertThat(present.enforce(with).allowed()).isTrue();
        assertThat(present.enforce(without).allowed()).isFalse();
        assertThat(absent.enforce(without).allowed()).isTrue();
        assertThat(absent.enforce(with).allowed()).isFalse();
        assertThat(inverted.enforce(without).allowed()).isTrue(); // absent and inverted: matches (Envoy)
        assertThat(inverted.enforce(with).allowed()).isTrue();
        assertThat(inverted.enforce(without.header("x-a", "1")).allowed()).isFalse();
        assertThat(contains.enforce(with).allowed()).isTrue();
        assertThat(contains.enforce(without.header("x-a", "acbd")).allowed()).isFalse();
    }

    @Test
    void perRouteConfigOverridesOrDisables() throws Exception {
        RBAC.Builder b = RBAC.newBuilder();
        JsonFormat.parser().merge("{\"rules\": {\"action\": \"DENY\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}],"
                + " \"principals\": [{\"any\": true}]}}}}", b);
        RbacFilterConfig override = RbacParser.parsePerRoute("listener x", "route.typed_per_filter_config",
                Any.pack(RBACPerRoute.newBuilder().setRbac(b).build()));
        assertThat(override.enforce(Req.of("GET", "/", null)).allowed()).isFalse();
        RbacFilterConfig off = RbacParser.parsePerRoute("listener x", "route.typed_per_filter_config",
                Any.pack(RBACPerRoute.getDefaultInstance()));
        assertThat(off).isSameAs(RbacFilterConfig.DISABLED);
        assertThat(off.active()).isFalse();
    }

    @Test
    void whatIsNotSupportedIsRejectedNamingItsField() {
        String tmpl = """
                {"rules": {"action": "ALLOW", "policies": {"ns/authz/rule/0": {"permissions": [{"any": true}, %s], "principals": [%s]}}}}""";
        assertThatThrownBy(() -> json(tmpl.formatted("{\"metadata\": {\"filter\": \"x\"}}", "{\"any\": true}")))
                .isInstanceOf(XdsRejection.class)
                .hasMessage("listener inbound/9080: http_filters[0].typed_config.rules.policies[\"ns/authz/rule/0\"].permissions[1].metadata: unsupported");
        assertThatThrownBy(() -> json(tmpl.formatted("{\"any\": true}", "{\"filterState\": {\"key\": \"k\"}}")))
                .hasMessageEndingWith(".principals[0].filter_state: unsupported");
        assertThatThrownBy(() -> json(tmpl.formatted("{\"any\": true}", "{\"directRemoteIp\": {\"addressPrefix\": \"example.com\", \"prefixLen\": 8}}")))
                .hasMessageEndingWith(".principals[0].direct_remote_ip.address_prefix: must be an IP address literal, got \"example.com\"");
        assertThatThrownBy(() -> json(tmpl.formatted("{\"any\": true}", "{\"directRemoteIp\": {\"addressPrefix\": \"10.0.0.0\", \"prefixLen\": 33}}")))
                .hasMessageEndingWith(".direct_remote_ip.prefix_len: must be at most 32 for 10.0.0.0, got 33");
        assertThatThrownBy(() -> json(tmpl.formatted("{\"urlPath\": {\"path\": {\"safeRegex\": {\"regex\": \"(\"}}}}", "{\"any\": true}")))
                .hasMessageContaining(".permissions[1].url_path.path.safe_regex.regex: not a valid regex");
        assertThatThrownBy(() -> json(tmpl.formatted("{\"header\": {\"name\": \"x\", \"rangeMatch\": {\"start\": 1, \"end\": 2}}}", "{\"any\": true}")))
                .hasMessageEndingWith(".permissions[1].header.range_match: unsupported");
        assertThatThrownBy(() -> json("{\"rules\": {\"action\": \"ALLOW\", \"policies\": {\"p\": {\"permissions\": [{\"any\": true}],"
                + " \"principals\": [{\"any\": true}], \"condition\": {\"id\": \"1\"}}}}}"))
                .hasMessageEndingWith("rules.policies[\"p\"].condition: unsupported (CEL)");
        assertThatThrownBy(() -> json("{\"rules\": {\"action\": \"ALLOW\", \"policies\": {\"p\": {\"permissions\": [{\"andRules\": {}}],"
                + " \"principals\": [{\"any\": true}]}}}}"))
                .hasMessageEndingWith("permissions[0].and_rules.rules: at least one rule is required");
        assertThatThrownBy(() -> json("{\"matcher\": {}}")).hasMessageEndingWith("typed_config.matcher: unsupported (use rules)");
    }

    static RequestView token(String iss, String sub, java.util.List<String> aud, Map<String, Object> claims) {
        Map<String, Object> all = new HashMap<>(claims);
        all.put("iss", iss);
        all.put("sub", sub);
        return new dev.lattice.proxy.filter.StaticRequest("GET", "/", "h", 80, ip("127.0.0.1"), null, null, Map.of())
                .withAuth(new dev.lattice.proxy.filter.RequestAuth(iss, sub, aud, all));
    }

    static final RequestView NO_TOKEN = new dev.lattice.proxy.filter.StaticRequest("GET", "/", "h", 80, ip("127.0.0.1"),
            null, null, Map.of());

    /** An ALLOW filter whose one policy's principal is {@code principal} (JSON). */
    static RbacFilterConfig allowIf(String principal) throws Exception {
        return json("""
                {"rules": {"action": "ALLOW", "policies": {"p": {"permissions": [{"any": true}], "principals": [%s]}}}}"""
                .formatted(principal));
    }

    static String meta(String path, String value) {
        return "{\"metadata\": {\"filter\": \"envoy.filters.http.jwt_authn\", \"path\": [" + path + "], \"value\": " + value + "}}";
    }

    @Test
    void requestPrincipalsAndAuthKeysMatchTheVerifiedToken() throws Exception {
        RbacFilterConfig alice = allowIf(meta("{\"key\": \"request.auth.principal\"}", "{\"stringMatch\": {\"exact\": \"https://issuer/alice\"}}"));
        RbacFilterConfig anyIssuer = allowIf(meta("{\"key\": \"request.auth.principal\"}", "{\"stringMatch\": {\"prefix\": \"https://issuer/\"}}"));
        RbacFilterConfig anyToken = allowIf(meta("{\"key\": \"request.auth.principal\"}", "{\"stringMatch\": {\"safeRegex\": {\"regex\": \".+\"}}}"));
        RbacFilterConfig noToken = allowIf("{\"notId\": " + meta("{\"key\": \"request.auth.principal\"}", "{\"stringMatch\": {\"safeRegex\": {\"regex\": \".+\"}}}") + "}");
        RequestView a = token("https://issuer", "alice", java.util.List.of("books"), Map.of());
        RequestView b = token("https://issuer", "bob", java.util.List.of("books"), Map.of());
        RequestView evil = token("https://evil", "alice", java.util.List.of("books"), Map.of());
        assertThat(alice.enforce(a).allowed()).isTrue();
        assertThat(alice.enforce(b).allowed()).isFalse();
        assertThat(alice.enforce(evil).allowed()).isFalse();
        assertThat(alice.enforce(NO_TOKEN).allowed()).as("no verified token: no request principal").isFalse();
        assertThat(anyIssuer.enforce(b).allowed()).isTrue();
        assertThat(anyIssuer.enforce(evil).allowed()).isFalse();
        assertThat(anyToken.enforce(evil).allowed()).isTrue();
        assertThat(anyToken.enforce(NO_TOKEN).allowed()).isFalse();
        assertThat(noToken.enforce(NO_TOKEN).allowed()).isTrue();
        assertThat(noToken.enforce(a).allowed()).isFalse();

        RbacFilterConfig aud = allowIf(meta("{\"key\": \"request.auth.audiences\"}", "{\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"exact\": \"orders\"}}}}"));
        assertThat(aud.enforce(token("i", "s", java.util.List.of("books", "orders"), Map.of())).allowed()).isTrue();
        assertThat(aud.enforce(a).allowed()).isFalse();
        RbacFilterConfig azp = allowIf(meta("{\"key\": \"request.auth.presenter\"}", "{\"stringMatch\": {\"exact\": \"web-app\"}}"));
        assertThat(azp.enforce(token("i", "s", java.util.List.of(), Map.of("azp", "web-app"))).allowed()).isTrue();
        assertThat(azp.enforce(a).allowed()).isFalse();
    }

    @Test
    void claimsMatchListsScalarsAndNestedNames() throws Exception {
        RbacFilterConfig banned = allowIf(meta("{\"key\": \"request.auth.claims\"}, {\"key\": \"groups\"}",
                "{\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"exact\": \"banned\"}}}}"));
        assertThat(banned.enforce(token("i", "s", java.util.List.of(), Map.of("groups", java.util.List.of("readers", "banned")))).allowed()).isTrue();
        assertThat(banned.enforce(token("i", "s", java.util.List.of(), Map.of("groups", java.util.List.of("readers")))).allowed()).isFalse();
        assertThat(banned.enforce(token("i", "s", java.util.List.of(), Map.of("groups", "banned"))).allowed()).as("a scalar is a list of one").isTrue();
        assertThat(banned.enforce(token("i", "s", java.util.List.of(), Map.of())).allowed()).isFalse();
        assertThat(banned.enforce(NO_TOKEN).allowed()).isFalse();
        RbacFilterConfig team = allowIf(meta("{\"key\": \"request.auth.claims\"}, {\"key\": \"org\"}, {\"key\": \"team\"}",
                "{\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"suffix\": \"-ops\"}}}}"));
        assertThat(team.enforce(token("i", "s", java.util.List.of(), Map.of("org", Map.of("team", "db-ops")))).allowed()).isTrue();
        assertThat(team.enforce(token("i", "s", java.util.List.of(), Map.of("org", Map.of("team", "shelf")))).allowed()).isFalse();
        assertThat(team.enforce(token("i", "s", java.util.List.of(), Map.of("org", "db-ops"))).allowed()).isFalse();
        RbacFilterConfig level = allowIf(meta("{\"key\": \"request.auth.claims\"}, {\"key\": \"level\"}",
                "{\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"exact\": \"3\"}}}}"));
        assertThat(level.enforce(token("i", "s", java.util.List.of(), Map.of("level", 3L))).allowed()).isTrue();
        RbacFilterConfig inverted = allowIf("{\"metadata\": {\"filter\": \"envoy.filters.http.jwt_authn\", \"path\": [{\"key\": \"request.auth.claims\"}, {\"key\": \"groups\"}],"
                + " \"value\": {\"listMatch\": {\"oneOf\": {\"stringMatch\": {\"exact\": \"banned\"}}}}, \"invert\": true}}");
        assertThat(inverted.enforce(NO_TOKEN).allowed()).isTrue();
        assertThat(inverted.enforce(token("i", "s", java.util.List.of(), Map.of("groups", "banned"))).allowed()).isFalse();
    }

    @Test
    void metadataPrincipalsOutsideTheVerifiedTokenAreRejectedNamingTheirField() {
        String p = "rules.policies[\"p\"].principals[0].metadata";
        assertThatThrownBy(() -> allowIf("{\"metadata\": {\"filter\": \"istio_authn\", \"path\": [{\"key\": \"request.auth.principal\"}], \"value\": {\"stringMatch\": {\"exact\": \"a/b\"}}}}"))
                .isInstanceOf(XdsRejection.class).hasMessageContaining(p + ".filter: unsupported \"istio_authn\"");
        assertThatThrownBy(() -> allowIf(meta("{\"key\": \"request.auth.secret\"}", "{\"stringMatch\": {\"exact\": \"x\"}}")))
                .hasMessageContaining(p + ".path[0].key: unsupported \"request.auth.secret\"");
        assertThatThrownBy(() -> allowIf(meta("{\"key\": \"request.auth.claims\"}", "{\"stringMatch\": {\"exact\": \"x\"}}")))
                .hasMessageContaining(p + ".path: request.auth.claims needs a claim name");
        assertThatThrownBy(() -> allowIf(meta("{\"key\": \"request.auth.principal\"}, {\"key\": \"x\"}", "{\"stringMatch\": {\"exact\": \"x\"}}")))
                .hasMessageContaining(p + ".path[1]: unexpected");
        assertThatThrownBy(() -> allowIf(meta("{\"key\": \"request.auth.principal\"}", "{\"boolMatch\": true}")))
                .hasMessageContaining(p + ".value: only string_match and list_match are supported, got bool_match");
        assertThatThrownBy(() -> allowIf(meta("{\"key\": \"request.auth.principal\"}", "{\"listMatch\": {\"oneOf\": {\"presentMatch\": true}}}")))
                .hasMessageContaining(p + ".value.list_match.one_of: only string_match is supported");
    }
}
