package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MeshConfig, MTLSPolicy and AuthorizationPolicy, each validated on its own. */
class SecurityModelTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("sec.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    private static MeshObject only(String yaml) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("sec.yaml", yaml);
        assertThat(f.allProblems()).isEmpty();
        Models.Parsed p = Models.read(f.validResources().get(0));
        assertThat(p.problems()).isEmpty();
        return p.value();
    }

    @Test
    void meshConfigDefaultsAndFields() {
        MeshConfig d = (MeshConfig) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                """);
        assertThat(d.trustDomain()).isEqualTo("cluster.local");
        assertThat(d.certificateLifetime()).isEqualTo(Duration.ofHours(24));
        assertThat(d.mtlsMode()).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(d.caSecret()).isNull();
        assertThat(d.meta().namespace()).isEmpty();
        MeshConfig m = (MeshConfig) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  trustDomain: example.org
                  identity: {certificateLifetime: 1h30m, ca: {secretRef: {name: corp-ca}}}
                  mtls: {mode: STRICT}
                """);
        assertThat(m.trustDomain()).isEqualTo("example.org");
        assertThat(m.certificateLifetime()).isEqualTo(Duration.ofMinutes(90));
        assertThat(m.caSecret()).isEqualTo(new MeshConfig.SecretRef("lattice-system", "corp-ca"));
        assertThat(m.mtlsMode()).isEqualTo(MtlsMode.STRICT);
    }

    @Test
    void meshConfigProblemsNameTheirField() {
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  trustDomain: Example.ORG
                  identity: {certificateLifetime: 30s}
                  mtls: {mode: strict}
                  trust:
                    additionalBundles:
                    - {trustDomain: partner.example, pem: "not a pem"}
                """)).containsExactly(
                "sec.yaml:5: MeshConfig mesh: spec.trustDomain: must be a SPIFFE trust domain (lowercase letters, digits, '.', '-' and '_'), not \"Example.ORG\"",
                "sec.yaml:6: MeshConfig mesh: spec.identity.certificateLifetime: must be at least 1m, not 30s",
                "sec.yaml:7: MeshConfig mesh: spec.mtls.mode: must be one of STRICT, PERMISSIVE, DISABLE, not \"strict\"",
                "sec.yaml:10: MeshConfig mesh: spec.trust.additionalBundles[0].pem: must hold PEM certificates (-----BEGIN CERTIFICATE-----)");
    }

    @Test
    void mtlsPolicyNeedsAModeAndKnownTargets() {
        MtlsPolicy p = (MtlsPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: strict, namespace: shop}
                spec:
                  mode: STRICT
                  targetRefs:
                  - {kind: Service, name: reviews}
                  - {group: lattice.dev, kind: Workload, name: reviews-v2}
                """);
        assertThat(p.mode()).isEqualTo(MtlsMode.STRICT);
        assertThat(p.targetRefs()).containsExactly(new PolicyTargetRef("", "Service", "reviews", null),
                new PolicyTargetRef("lattice.dev", "Workload", "reviews-v2", null));
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: bad, namespace: shop}
                spec:
                  targetRefs:
                  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}
                """)).containsExactly(
                "sec.yaml:6: MTLSPolicy shop/bad: spec.targetRefs[0].kind: must be one of [Service, Workload.lattice.dev], not HTTPRoute.gateway.networking.k8s.io",
                "sec.yaml:4: MTLSPolicy shop/bad: spec.mode: required: STRICT, PERMISSIVE or DISABLE");
    }

    @Test
    void authorizationPolicyReadsIstiosShapeAndTheFlatOne() {
        AuthorizationPolicy nested = (AuthorizationPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: reviews, namespace: shop}
                spec:
                  targetRefs: [{kind: Service, name: reviews}]
                  action: DENY
                  dryRun: true
                  rules:
                  - from: [{source: {principals: ["cluster.local/ns/shop/sa/web"], notNamespaces: [dev]}}]
                    to: [{operation: {methods: [POST], paths: ["/admin/*"], ports: [8080, "9090"]}}]
                    when: [{key: "request.headers[x-tenant]", values: [a, b]}]
                """);
        AuthorizationPolicy flat = (AuthorizationPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: reviews, namespace: shop}
                spec:
                  targetRefs: [{kind: Service, name: reviews}]
                  action: DENY
                  dryRun: true
                  rules:
                  - from: {principals: ["cluster.local/ns/shop/sa/web"], notNamespaces: [dev]}
                    to: [{methods: [POST], paths: ["/admin/*"], ports: [8080, "9090"]}]
                    when: [{key: "request.headers[x-tenant]", values: [a, b]}]
                """);
        assertThat(flat.rules()).isEqualTo(nested.rules());
        assertThat(nested.action()).isEqualTo(AuthorizationPolicy.Action.DENY);
        assertThat(nested.dryRun()).isTrue();
        AuthorizationPolicy.Rule r = nested.rules().getFirst();
        assertThat(r.from().getFirst().principals()).containsExactly("cluster.local/ns/shop/sa/web");
        assertThat(r.to().getFirst().ports()).containsExactly(8080, 9090);
        assertThat(r.when().getFirst().key()).isEqualTo("request.headers[x-tenant]");
    }

    @Test
    void anAllowPolicyWithoutRulesIsDefaultDenyAndAnEmptyRuleMatchesAll() {
        AuthorizationPolicy none = (AuthorizationPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: deny-all, namespace: shop}
                spec: {}
                """);
        assertThat(none.action()).isEqualTo(AuthorizationPolicy.Action.ALLOW);
        assertThat(none.rules()).isNull();
        assertThat(none.targetRefs()).isEmpty();
        AuthorizationPolicy all = (AuthorizationPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: allow-all, namespace: shop}
                spec: {rules: [{}]}
                """);
        assertThat(all.rules()).containsExactly(new AuthorizationPolicy.Rule(List.of(), List.of(), List.of()));
    }

    @Test
    void authorizationPolicyProblemsNameTheirField() {
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: bad, namespace: shop}
                spec:
                  action: ALLOWED
                  rules:
                  - from: [{source: {principals: ["a*b"], ipBlocks: ["10.0.0.0/33"]}}]
                    to: [{operation: {paths: ["admin"], ports: [0]}}]
                    when: [{key: "request.body", values: [x]}, {key: "source.ip"}]
                """)).containsExactly(
                "sec.yaml:5: AuthorizationPolicy shop/bad: spec.action: must be one of ALLOW, DENY, AUDIT, not \"ALLOWED\"",
                "sec.yaml:7: AuthorizationPolicy shop/bad: spec.rules[0].from[0].source.principals: \"a*b\": '*' may only be the whole value, a prefix or a suffix",
                "sec.yaml:7: AuthorizationPolicy shop/bad: spec.rules[0].from[0].source.ipBlocks: \"10.0.0.0/33\": the prefix length must be 0-32",
                "sec.yaml:8: AuthorizationPolicy shop/bad: spec.rules[0].to[0].operation.paths: \"admin\" must start with / (or be a * suffix match)",
                "sec.yaml:8: AuthorizationPolicy shop/bad: spec.rules[0].to[0].operation.ports[0]: must be a port number 1-65535, not \"0\"",
                "sec.yaml:9: AuthorizationPolicy shop/bad: spec.rules[0].when[0].key: unsupported key \"request.body\" (request.headers[NAME], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, connection.sni, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME])",
                "sec.yaml:9: AuthorizationPolicy shop/bad: spec.rules[0].when[1]: must have values or notValues");
    }

    @Test
    void requestPrincipalsAndAuthConditionsAreReadAndTheirProblemsNameTheirField() {
        AuthorizationPolicy p = (AuthorizationPolicy) only("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: users, namespace: shop}
                spec:
                  rules:
                  - from: [{source: {requestPrincipals: ["https://issuer.example/alice", "*"], notRequestPrincipals: ["https://evil.example/*"]}}]
                    when:
                    - {key: "request.auth.claims[groups]", values: [admins]}
                    - {key: "request.auth.claims[org][team]", notValues: [interns]}
                    - {key: request.auth.audiences, values: [books]}
                    - {key: request.auth.presenter, values: [web]}
                    - {key: request.auth.principal, values: ["*/alice"]}
                """);
        AuthorizationPolicy.Rule r = p.rules().getFirst();
        assertThat(r.from().getFirst().requestPrincipals()).containsExactly("https://issuer.example/alice", "*");
        assertThat(r.from().getFirst().notRequestPrincipals()).containsExactly("https://evil.example/*");
        assertThat(r.when()).extracting(AuthorizationPolicy.Condition::key).containsExactly("request.auth.claims[groups]",
                "request.auth.claims[org][team]", "request.auth.audiences", "request.auth.presenter", "request.auth.principal");
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: bad, namespace: shop}
                spec:
                  rules:
                  - from: [{source: {requestPrincipals: ["iss/a*b", ""]}}]
                    when: [{key: "request.auth.claims[]", values: [x]}, {key: "request.auth.claims[a]b", values: [x]}, {key: request.auth.claims, values: [x]}]
                """)).containsExactly(
                "sec.yaml:6: AuthorizationPolicy shop/bad: spec.rules[0].from[0].source.requestPrincipals: \"iss/a*b\": '*' may only be the whole value, a prefix or a suffix",
                "sec.yaml:6: AuthorizationPolicy shop/bad: spec.rules[0].from[0].source.requestPrincipals: must not hold an empty value",
                "sec.yaml:7: AuthorizationPolicy shop/bad: spec.rules[0].when[0].key: unsupported key \"request.auth.claims[]\" (request.headers[NAME], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, connection.sni, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME])",
                "sec.yaml:7: AuthorizationPolicy shop/bad: spec.rules[0].when[1].key: unsupported key \"request.auth.claims[a]b\" (request.headers[NAME], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, connection.sni, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME])",
                "sec.yaml:7: AuthorizationPolicy shop/bad: spec.rules[0].when[2].key: unsupported key \"request.auth.claims\" (request.headers[NAME], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, connection.sni, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[NAME])");
    }
}
