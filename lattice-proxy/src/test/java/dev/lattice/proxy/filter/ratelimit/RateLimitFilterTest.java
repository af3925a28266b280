package dev.lattice.proxy.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.api.filters.http.ratelimit.v1.RateLimitPerRoute;
import dev.lattice.api.filters.http.ratelimit.v1.Rule;
import dev.lattice.api.filters.http.ratelimit.v1.Selector;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestAuth;
import dev.lattice.proxy.filter.StaticRequest;
import dev.lattice.proxy.xds.XdsRejection;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitFilterTest {
    static StaticRequest req(String path, String ip, Map<String, String> headers) throws Exception {
        return new StaticRequest("GET", path, "h", 80, InetAddress.getByName(ip), null, null, headers);
    }

    @Test
    void bucketAllowsCapacityThenOneEveryInterval() {
        TokenBucket b = new TokenBucket(10, 1, 12); // 10/s, burst 2
        long now = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < 12; i++) assertThat(b.take(now)).as("take " + i).isGreaterThanOrEqualTo(0);
        long wait = b.take(now);
        assertThat(wait).isNegative().isGreaterThanOrEqualTo(-100_000_000L);
        assertThat(b.take(now + 100_000_000L)).isZero(); // one token after 1/10 s
        assertThat(b.take(now + 100_000_000L)).isNegative();
    }

    @Test
    void overLimitAnswers429WithRetryAfterAndTheDraftFields() throws Exception {
        RouteLimits l = RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/t1")
                .addRules(Rule.newBuilder().setRequests(3).setUnitSeconds(60)).build());
        StaticRequest r = req("/", "10.0.0.1", Map.of());
        for (int i = 0; i < 3; i++) assertThat(l.check(r)).isNull();
        LocalReply reply = l.check(r);
        assertThat(reply.status()).isEqualTo(429);
        assertThat(Long.parseLong(reply.headers().get("retry-after"))).isBetween(19L, 20L);
        assertThat(reply.headers().get("ratelimit-policy")).isEqualTo("\"ns/t1/0\";q=3;w=60");
        assertThat(reply.headers().get("ratelimit")).startsWith("\"ns/t1/0\";r=0;t=");
    }

    @Test
    void distinctHeaderValuesEachGetABucketAndExactOnlyMatchesItsValue() throws Exception {
        RouteLimits l = RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/t2")
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.HEADER).setName("x-user").setDistinct(true)))
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.SOURCE_CIDR).setValue("192.168.0.0/16")))
                .build());
        assertThat(l.check(req("/", "10.0.0.1", Map.of("x-user", "a")))).isNull();
        assertThat(l.check(req("/", "10.0.0.1", Map.of("x-user", "a"))).status()).isEqualTo(429);
        assertThat(l.check(req("/", "10.0.0.1", Map.of("x-user", "b")))).isNull();
        assertThat(l.check(req("/", "10.0.0.1", Map.of()))).as("no header: the rule does not apply").isNull();
        assertThat(l.check(req("/", "10.0.0.1", Map.of()))).isNull();
        // sourceCIDR Exact: every address inside shares one bucket; outside is not limited
        assertThat(l.check(req("/", "192.168.1.1", Map.of()))).isNull();
        assertThat(l.check(req("/", "192.168.7.7", Map.of())).status()).isEqualTo(429);
    }

    @Test
    void brokenPolicyFailsClosed() throws Exception {
        RouteLimits broken = RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/b").setBroken(true).build());
        assertThat(broken.check(req("/", "10.0.0.1", Map.of())).status()).isEqualTo(503);
    }

    static RequestView token(String sub, Map<String, Object> claims) throws Exception {
        Map<String, Object> all = new java.util.HashMap<>(claims);
        all.put("sub", sub);
        all.put("iss", "issuer");
        return req("/", "10.0.0.1", Map.of()).withAuth(new RequestAuth("issuer", sub, java.util.List.of("api"), all));
    }

    @Test
    void jwtClaimDistinctGivesEachValueItsBucketAndNoTokenIsNotSelected() throws Exception {
        RouteLimits l = RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/jd")
                .addRules(Rule.newBuilder().setRequests(2).setUnitSeconds(3600)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.JWT_CLAIM).setName("sub").setDistinct(true))).build());
        RequestView alice = token("alice", Map.of());
        assertThat(l.check(alice)).isNull();
        assertThat(l.check(alice)).isNull();
        assertThat(l.check(alice).status()).isEqualTo(429);
        assertThat(l.check(token("bob", Map.of()))).as("bob has his own bucket").isNull();
        for (int i = 0; i < 5; i++) {
            assertThat(l.check(req("/", "10.0.0.1", Map.of()))).as("no verified token: the rule does not apply").isNull();
            assertThat(l.check(req("/", "10.0.0.1", Map.of()).withAuth(null))).isNull();
        }
    }

    @Test
    void jwtClaimExactSharesOneBucketForItsValueOnlyAndReachesNestedAndNumericClaims() throws Exception {
        RouteLimits l = RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/je")
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.JWT_CLAIM).setName("plan").setValue("free")))
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(3600)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.JWT_CLAIM).setName("org.tier").setValue("3")))
                .build());
        assertThat(l.check(token("a", Map.of("plan", "free")))).isNull();
        assertThat(l.check(token("b", Map.of("plan", "free"))).status()).as("one bucket for every free token").isEqualTo(429);
        for (int i = 0; i < 3; i++) assertThat(l.check(token("c", Map.of("plan", "pro")))).isNull();
        assertThat(l.check(token("d", Map.of("plan", java.util.List.of("free"))))).as("a list claim selects nothing").isNull();
        assertThat(l.check(token("e", Map.of("org", Map.of("tier", 3))))).isNull();
        assertThat(l.check(token("f", Map.of("org", Map.of("tier", 3)))).status()).isEqualTo(429);
    }

    @Test
    void jwtClaimNeedsAName() {
        assertThatThrownBy(() -> RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/x")
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(1)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.JWT_CLAIM).setDistinct(true))).build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("p.rules[0].selectors[0].name");
    }

    @Test
    void badConfigIsRejectedByField() {
        assertThatThrownBy(() -> RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/x")
                .addRules(Rule.newBuilder().setRequests(0).setUnitSeconds(1)).build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("p.rules[0].requests");
        assertThatThrownBy(() -> RateLimitHttpFilterFactory.compile("l", "p", RateLimitPerRoute.newBuilder().setPolicy("ns/x")
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(1)
                        .addSelectors(Selector.newBuilder().setSource(Selector.Source.SOURCE_CIDR).setValue("10.0.0.0/40"))).build()))
                .isInstanceOf(XdsRejection.class).hasMessageContaining("selectors[0].value");
    }

    @Test
    void theCountSurvivesARecompileOfTheSameRule() throws Exception {
        RateLimitPerRoute c = RateLimitPerRoute.newBuilder().setPolicy("ns/t3")
                .addRules(Rule.newBuilder().setRequests(1).setUnitSeconds(3600)).build();
        assertThat(RateLimitHttpFilterFactory.compile("l", "p", c).check(req("/", "10.0.0.1", Map.of()))).isNull();
        assertThat(RateLimitHttpFilterFactory.compile("l", "p", c).check(req("/", "10.0.0.1", Map.of())).status()).isEqualTo(429);
    }
}
