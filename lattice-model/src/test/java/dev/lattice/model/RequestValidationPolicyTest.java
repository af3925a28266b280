package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RequestValidationPolicy, validated on its own. */
class RequestValidationPolicyTest {
    private static List<String> problems(String yaml) {
        return ResourceLoader.load("v.yaml", yaml).allProblems().stream().map(Problem::toString).toList();
    }

    @Test
    void readsEveryField() {
        ResourceLoader.LoadedFile f = ResourceLoader.load("v.yaml", """
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: orders, namespace: shop}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: orders, sectionName: create}]
                  limits: {maxUriBytes: 2048, maxHeadersBytes: 8192, maxHeaders: 50, maxBodyBytes: 65536}
                  methods: [GET, POST]
                  contentTypes: [Application/JSON]
                  jsonSchema:
                    inline: {type: object, required: [id]}
                """);
        assertThat(f.allProblems()).isEmpty();
        Models.Parsed p = Models.read(f.validResources().get(0));
        assertThat(p.problems()).isEmpty();
        RequestValidationPolicy v = (RequestValidationPolicy) p.value();
        assertThat(v.targetRefs()).containsExactly(new PolicyTargetRef(PolicyTargetRef.GATEWAY_GROUP, "HTTPRoute", "orders", "create"));
        assertThat(v.limits()).isEqualTo(new RequestValidationPolicy.Limits(2048, 8192, 50, 65536));
        assertThat(v.methods()).containsExactly("GET", "POST");
        assertThat(v.contentTypes()).containsExactly("application/json");
        assertThat(v.jsonSchema().inline()).isEqualTo("{\"type\":\"object\",\"required\":[\"id\"]}");
        assertThat(v.openApi()).isNull();
    }

    @Test
    void problemsNameTheirField() {
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: bad, namespace: shop}
                spec:
                  targetRefs: [{group: "", kind: Secret, name: s}]
                  limits: {maxUriBytes: 0, maxBody: 5}
                  methods: [get, POST, POST]
                  contentTypes: [json]
                  jsonSchema: {inline: 5, configMapRef: {name: x, key: y}}
                  openAPI: {configMapRef: {name: api}}
                """)).containsExactlyInAnyOrder(
                "v.yaml:5: RequestValidationPolicy shop/bad: spec.targetRefs[0].kind: must be one of [Gateway.gateway.networking.k8s.io, HTTPRoute.gateway.networking.k8s.io, GRPCRoute.gateway.networking.k8s.io, Service], not Secret",
                "v.yaml:6: RequestValidationPolicy shop/bad: spec.limits.maxUriBytes: must be between 1 and 2147483647, not 0",
                "v.yaml:6: RequestValidationPolicy shop/bad: spec.limits.maxBody: unknown field \"maxBody\" (known here: maxUriBytes, maxHeadersBytes, maxHeaders, maxBodyBytes)",
                "v.yaml:7: RequestValidationPolicy shop/bad: spec.methods[0]: must be an upper-case HTTP method such as GET or POST, not \"get\"",
                "v.yaml:7: RequestValidationPolicy shop/bad: spec.methods[2]: \"POST\" is listed twice",
                "v.yaml:8: RequestValidationPolicy shop/bad: spec.contentTypes[0]: must be a media type type/subtype such as application/json (parameters are not compared), not \"json\"",
                "v.yaml:9: RequestValidationPolicy shop/bad: spec.jsonSchema: set exactly one of inline and configMapRef",
                "v.yaml:10: RequestValidationPolicy shop/bad: spec.openAPI.configMapRef.key: required",
                "v.yaml:10: RequestValidationPolicy shop/bad: spec.openAPI: jsonSchema and openAPI exclude each other: set one");
    }

    @Test
    void targetRefsAreRequired() {
        assertThat(problems("""
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: none, namespace: shop}
                spec: {methods: [GET]}
                """)).containsExactly("v.yaml:4: RequestValidationPolicy shop/none: spec.targetRefs: required: the Gateways, HTTPRoutes, GRPCRoutes or Services to validate requests for");
    }
}
