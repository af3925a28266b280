package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** status.ancestors of MTLSPolicy, AuthorizationPolicy, TrafficTarget, JWTPolicy and RateLimitPolicy, as Gateway API policies report them. */
class PolicyStatusTest {
    static MeshTranslation translate(String extra, List<Resource> rejected, List<Problem> problems) {
        List<Resource> rs = MeshTranslatorTest.load(MeshMtlsTranslationTest.BASE + extra);
        return MeshTranslator.translate(new MeshSnapshot(1, rs, problems, MeshMtlsTranslationTest.PORTS, rejected,
                MeshMtlsTranslationTest.TRUST));
    }

    static String summary(MeshTranslation t, String kind, String name) {
        JsonNode st = t.statuses().get(new ResourceKey(kind, "default", name));
        assertThat(st).as("status of %s %s", kind, name).isNotNull();
        StringBuilder b = new StringBuilder();
        for (JsonNode a : st.path("ancestors")) {
            JsonNode ref = a.path("ancestorRef");
            assertThat(a.path("controllerName").asText()).isEqualTo("lattice.dev/gateway-controller");
            b.append(ref.path("kind").asText()).append(' ').append(ref.path("name").asText());
            for (JsonNode c : a.path("conditions")) {
                b.append(' ').append(c.path("type").asText()).append('=').append(c.path("status").asText())
                        .append('/').append(c.path("reason").asText());
            }
            b.append(';');
        }
        return b.toString();
    }

    @Test
    void acceptedTargetNotFoundAndConflicted() {
        MeshTranslation t = translate("""
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: readers}
                spec:
                  targetRefs: [{group: "", kind: Service, name: books}, {group: "", kind: Service, name: nope}]
                  rules: [{}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: ns-wide}
                spec: {action: DENY, rules: [{to: [{operation: {methods: [DELETE]}}]}]}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: first, creationTimestamp: "2026-01-01T00:00:00Z"}
                spec: {mode: STRICT}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: second, creationTimestamp: "2026-02-01T00:00:00Z"}
                spec: {mode: DISABLE}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: workload, creationTimestamp: "2026-03-01T00:00:00Z"}
                spec: {mode: PERMISSIVE, targetRefs: [{kind: Workload, name: books-v1}]}
                """, List.of(), List.of());
        assertThat(summary(t, "AuthorizationPolicy", "readers"))
                .isEqualTo("Service books Accepted=True/Accepted;Service nope Accepted=False/TargetNotFound;");
        assertThat(summary(t, "AuthorizationPolicy", "ns-wide")).isEqualTo("Namespace default Accepted=True/Accepted;");
        assertThat(summary(t, "MTLSPolicy", "first")).isEqualTo("Namespace default Accepted=True/Accepted;");
        assertThat(summary(t, "MTLSPolicy", "second")).isEqualTo("Namespace default Accepted=False/Conflicted;");
        assertThat(summary(t, "MTLSPolicy", "workload")).isEqualTo("Workload books-v1 Accepted=True/Accepted;");
        assertThat(t.statuses().get(new ResourceKey("MTLSPolicy", "default", "second")).toString())
                .contains("MTLSPolicy default/first is older and has the same target");
    }

    @Test
    void aPolicyThatDoesNotValidateIsInvalidWithItsProblemsAndATrafficTargetReportsItsRefs() throws Exception {
        Resource broken = AuthzTranslationTest.raw("readers", "targetRefs: [{group: \"\", kind: Service, name: books}]\naction: ALOW\n");
        Problem p = new Problem("authz.yaml", 7, "AuthorizationPolicy", "default", "readers", "spec.action",
                "must be one of ALLOW, DENY, AUDIT, not \"ALOW\"");
        MeshTranslation t = translate("""
                ---
                apiVersion: access.smi-spec.io/v1alpha3
                kind: TrafficTarget
                metadata: {name: tt}
                spec:
                  destination: {kind: ServiceAccount, name: books}
                  rules: [{kind: HTTPRouteGroup, name: missing}]
                  sources: [{kind: ServiceAccount, name: web}]
                """, List.of(broken), List.of(p));
        assertThat(summary(t, "AuthorizationPolicy", "readers")).isEqualTo("Service books Accepted=False/Invalid;");
        assertThat(t.statuses().get(broken.key()).toString())
                .contains("spec.action: must be one of ALLOW, DENY, AUDIT, not \\\"ALOW\\\"; it fails closed");
        assertThat(summary(t, "TrafficTarget", "tt"))
                .isEqualTo("ServiceAccount books Accepted=True/Accepted ResolvedRefs=False/RefNotFound;");
        assertThat(t.statuses().get(new ResourceKey("TrafficTarget", "default", "tt")).toString())
                .contains("HTTPRouteGroup default/missing does not exist: those rules allow nothing");
    }

    static final String JWKS = "'{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"e1\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}'";

    static String jwt(String name, String created, String target) {
        return "\n---\napiVersion: lattice.dev/v1alpha1\nkind: JWTPolicy\nmetadata: {name: " + name + ", creationTimestamp: \"" + created
                + "\"}\nspec:\n  targetRefs: [{group: \"\", kind: Service, name: " + target + "}]\n  providers:\n"
                + "  - {name: corp, issuer: https://issuer.example, localJWKS: {inline: " + JWKS + "}}\n";
    }

    static String rateLimit(String name, String created, String target) {
        return "\n---\napiVersion: lattice.dev/v1alpha1\nkind: RateLimitPolicy\nmetadata: {name: " + name + ", creationTimestamp: \""
                + created + "\"}\nspec:\n  targetRefs: [{group: \"\", kind: Service, name: " + target + "}]\n"
                + "  local: {rules: [{limit: {requests: 10, unit: Second}}]}\n";
    }

    @Test
    void jwtAndRateLimitPoliciesReportAcceptedTargetNotFoundAndConflicted() {
        MeshTranslation t = translate(jwt("first", "2026-01-01T00:00:00Z", "books") + jwt("second", "2026-02-01T00:00:00Z", "books")
                + jwt("lost", "2026-01-01T00:00:00Z", "nope")
                + rateLimit("first", "2026-01-01T00:00:00Z", "books") + rateLimit("second", "2026-02-01T00:00:00Z", "books")
                + rateLimit("lost", "2026-01-01T00:00:00Z", "nope"), List.of(), List.of());
        for (String kind : List.of("JWTPolicy", "RateLimitPolicy")) {
            assertThat(summary(t, kind, "first")).as(kind).isEqualTo("Service books Accepted=True/Accepted;");
            assertThat(summary(t, kind, "second")).as(kind).isEqualTo("Service books Accepted=False/Conflicted;");
            assertThat(summary(t, kind, "lost")).as(kind).isEqualTo("Service nope Accepted=False/TargetNotFound;");
            assertThat(t.statuses().get(new ResourceKey(kind, "default", "second")).toString())
                    .contains("An older " + kind + " attaches as specifically to the same routes; it applies there");
        }
    }

    @Test
    void jwtAndRateLimitPoliciesThatDoNotValidateAreInvalidAndSayHowTheyFailClosed() throws Exception {
        List<Resource> broken = new java.util.ArrayList<>();
        List<Problem> problems = new java.util.ArrayList<>();
        for (String kind : List.of("JWTPolicy", "RateLimitPolicy")) {
            Resource r = AuthzTranslationTest.raw("bad", "targetRefs: [{group: \"\", kind: Service, name: books}]\n");
            com.fasterxml.jackson.databind.node.ObjectNode o = r.object().deepCopy();
            o.put("kind", kind);
            broken.add(new Resource(new ResourceKey(kind, "default", "bad"), "lattice.dev/v1alpha1", r.source(), o));
            problems.add(new Problem("p.yaml", 3, kind, "default", "bad", "spec", "something is wrong"));
        }
        MeshTranslation t = translate("", broken, problems);
        assertThat(summary(t, "JWTPolicy", "bad")).isEqualTo("Service books Accepted=False/Invalid;");
        assertThat(summary(t, "RateLimitPolicy", "bad")).isEqualTo("Service books Accepted=False/Invalid;");
        assertThat(t.statuses().get(broken.get(0).key()).toString()).contains("spec: something is wrong; it fails closed: its targets answer every request 401");
        assertThat(t.statuses().get(broken.get(1).key()).toString()).contains("spec: something is wrong; it fails closed: its targets answer every request 503");
    }
}
