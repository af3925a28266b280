package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RateLimitPolicy: its shape and its problems, each naming file, line and field. */
class RateLimitPolicyTest {
    private static Models.Parsed parse(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("rl.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        return Models.read(f.validResources().get(0));
    }

    /** The problems the loader reports for a file (model validation included). */
    private static List<Problem> problems(String yaml) {
        return ResourceLoader.load("rl.yaml", yaml).allProblems();
    }

    @Test
    void readsLocalRulesAndSelectors() {
        Models.Parsed p = parse("""
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: rl, namespace: shop}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: api}]
                  local:
                    rules:
                    - limit: {requests: 100, unit: Minute}
                      burst: 10
                      clientSelectors:
                      - headers: [{name: X-User, type: Distinct}, {name: x-plan, value: free}]
                        sourceCIDR: {type: Distinct, value: 10.0.0.0/8}
                        path: {type: PathPrefix, value: /api}
                """);
        assertThat(p.problems()).isEmpty();
        RateLimitPolicy rl = (RateLimitPolicy) p.value();
        RateLimitPolicy.Rule r = rl.local().rules().get(0);
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.unit()).isEqualTo(RateLimitPolicy.Unit.MINUTE);
        assertThat(r.burst()).isEqualTo(10);
        assertThat(r.clientSelectors()).containsExactly(
                new RateLimitPolicy.Selector(RateLimitPolicy.Selector.Source.HEADER, "x-user", RateLimitPolicy.MatchType.DISTINCT, null, null),
                new RateLimitPolicy.Selector(RateLimitPolicy.Selector.Source.HEADER, "x-plan", RateLimitPolicy.MatchType.EXACT, "free", null),
                new RateLimitPolicy.Selector(RateLimitPolicy.Selector.Source.SOURCE_CIDR, null, RateLimitPolicy.MatchType.DISTINCT, "10.0.0.0/8", null),
                new RateLimitPolicy.Selector(RateLimitPolicy.Selector.Source.PATH, null, RateLimitPolicy.MatchType.EXACT, "/api", RateLimitPolicy.PathType.PATH_PREFIX));
    }

    @Test
    void problemsNameTheirField() {
        List<String> problems = problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: rl}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
                  local:
                    rules:
                    - limit: {requests: 0, unit: Day}
                      clientSelectors:
                      - sourceCIDR: {value: 10.0.0.0/99}
                """).stream().map(Problem::toString).toList();
        assertThat(problems).anyMatch(s -> s.startsWith("rl.yaml:8: RateLimitPolicy default/rl: spec.local.rules[0].limit.requests: must be between 1"));
        assertThat(problems).anyMatch(s -> s.contains("spec.local.rules[0].limit.unit: must be one of Second, Minute, Hour"));
        assertThat(problems).anyMatch(s -> s.contains("spec.local.rules[0].clientSelectors[0].sourceCIDR.value: the prefix length"));
    }

    @Test
    void readsGlobalRulesWithTheirFailureModeOpenByDefault() {
        Models.Parsed p = parse("""
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: rl}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
                  global:
                    rules: [{limit: {requests: 5, unit: Second}, clientSelectors: [{headers: [{name: x-user, type: Distinct}]}]}]
                """);
        assertThat(p.problems()).isEmpty();
        RateLimitPolicy rl = (RateLimitPolicy) p.value();
        assertThat(rl.global().failureMode()).isEqualTo(RateLimitPolicy.FailureMode.OPEN);
        assertThat(rl.global().rules().get(0).requests()).isEqualTo(5);
        List<String> bad = problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: rl}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
                  global:
                    failureMode: Deny
                    rules: [{limit: {requests: 5, unit: Second}}]
                """).stream().map(Problem::toString).toList();
        assertThat(bad).anyMatch(s -> s.startsWith("rl.yaml:7: RateLimitPolicy default/rl: spec.global.failureMode: must be one of Open, Closed"));
    }

    @Test
    void meshConfigNamesTheRateLimitRedisAsHostPort() {
        MeshConfig m = (MeshConfig) parse("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  rateLimit: {redis: "127.0.0.1:6379"}
                """).value();
        assertThat(m.rateLimitRedis()).isEqualTo("127.0.0.1:6379");
        assertThat(MeshConfig.checkHostPort("redis.lattice-system:6379")).isNull();
        assertThat(MeshConfig.checkHostPort("[::1]:6379")).isNull();
        List<String> bad = problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  rateLimit:
                    redis: "localhost"
                """).stream().map(Problem::toString).toList();
        assertThat(bad).containsExactly("rl.yaml:6: MeshConfig mesh: spec.rateLimit.redis: must be host:port (e.g. 127.0.0.1:6379), not \"localhost\"");
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  rateLimit: {redis: "h:0"}
                """)).extracting(Problem::toString).anyMatch(s -> s.contains("spec.rateLimit.redis: the port must be 1..65535"));
    }
}
