package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RequestValidationPolicy through the translation: attached to a Service, it reaches the destination's inbound
 * sidecar as {@code lattice.request_validation} plus each route's {@code RequestValidationPerRoute}; a schema from a
 * ConfigMap that is missing or does not compile fails closed (503) with a problem and Accepted=False/Invalid; a
 * policy that does not validate and has no last good version fails closed; a listener without a policy gets no entry.
 */
class RequestValidationTranslationTest {
    static MeshTranslation translate(String extra, List<Resource> rejected) {
        return translate(extra, rejected, java.util.Map.of());
    }

    static MeshTranslation translate(String extra, List<Resource> rejected,
                                     java.util.Map<dev.lattice.model.ResourceKey, dev.lattice.control.ValidationSchema> lastGood) {
        List<Resource> rs = MeshTranslatorTest.load(MeshMtlsTranslationTest.BASE + extra);
        return MeshTranslator.translate(new MeshSnapshot(1, rs, List.of(), MeshMtlsTranslationTest.PORTS, rejected,
                MeshMtlsTranslationTest.TRUST, java.util.Map.of(), lastGood));
    }

    static final String GOOD_SCHEMAS = """
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: schemas}
            data:
              book.json: '{"type": "object", "required": ["title"]}'
            """;

    static String inboundJson(MeshTranslation t) {
        return XdsJson.print(MeshMtlsTranslationTest.inbound(t));
    }

    static final String POLICY = """
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: RequestValidationPolicy
            metadata: {name: books-input}
            spec:
              targetRefs: [{group: "", kind: Service, name: books}]
              limits: {maxBodyBytes: 1024}
              methods: [GET]
              jsonSchema: {configMapRef: {name: schemas, key: book.json}}
            """;

    @Test
    void aPolicyOnAServiceReachesItsInboundSidecar() {
        MeshTranslation t = translate(POLICY + GOOD_SCHEMAS, List.of());
        String json = inboundJson(t);
        assertThat(json).contains("\"name\": \"lattice.request_validation\"", "RequestValidationPerRoute",
                "\"policy\": \"RequestValidationPolicy/default/books-input\"", "\"max_body_bytes\": 1024",
                "\\\"required\\\": [\\\"title\\\"]");
        assertThat(json).doesNotContain("fail_closed_status");
        assertThat(PolicyStatusTest.summary(t, "RequestValidationPolicy", "books-input")).isEqualTo("Service books Accepted=True/Accepted;");
        assertThat(t.problems()).isEmpty();
        // the client's outbound sidecar has no policy: no entry
        assertThat(XdsJson.print(t.proxies().get(MeshMtlsTranslationTest.CLIENT).listeners().get(0))).doesNotContain("lattice.request_validation");
    }

    @Test
    void aSchemaThatDoesNotCompileOrIsMissingFailsClosed() {
        MeshTranslation broken = translate(POLICY + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: schemas}
                data:
                  book.json: '{"type": 5}'
                """, List.of());
        assertThat(inboundJson(broken)).contains("\"fail_closed_status\": 503").doesNotContain("json_schema");
        assertThat(PolicyStatusTest.summary(broken, "RequestValidationPolicy", "books-input")).isEqualTo("Service books Accepted=False/Invalid;");
        assertThat(broken.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p)
                .contains("RequestValidationPolicy default/books-input: spec.jsonSchema.configMapRef: the JSON Schema does not compile")
                .contains("fails closed (503)"));
        MeshTranslation missing = translate(POLICY, List.of());
        assertThat(inboundJson(missing)).contains("\"fail_closed_status\": 503");
        assertThat(missing.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p)
                .contains("ConfigMap default/schemas does not exist"));
    }

    @Test
    void aSchemaThatStopsCompilingKeepsTheLastGoodOneServing() {
        MeshTranslation good = translate(POLICY + GOOD_SCHEMAS, List.of());
        assertThat(good.validationSchemas()).hasSize(1);
        var served = good.validationSchemas().values().iterator().next();
        assertThat(served.jsonSchema()).contains("\"required\": [\"title\"]");
        // the ConfigMap is edited badly: the schema of the earlier translation keeps serving, the status says why
        String bad = POLICY + GOOD_SCHEMAS.replace("{\"type\": \"object\", \"required\": [\"title\"]}", "{\"type\": 5}");
        MeshTranslation next = translate(bad, List.of(), good.validationSchemas());
        String json = inboundJson(next);
        assertThat(json).doesNotContain("fail_closed_status").contains("\\\"required\\\": [\\\"title\\\"]", "\"max_body_bytes\": 1024");
        assertThat(next.validationSchemas()).isEqualTo(good.validationSchemas());
        assertThat(PolicyStatusTest.summary(next, "RequestValidationPolicy", "books-input")).isEqualTo("Service books Accepted=False/Invalid;");
        assertThat(next.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p)
                .contains("RequestValidationPolicy default/books-input: spec.jsonSchema.configMapRef: the JSON Schema does not compile")
                .contains("the last schema of the policy that compiled keeps serving"));
        // the ConfigMap removed: the same
        assertThat(inboundJson(translate(POLICY, List.of(), good.validationSchemas()))).doesNotContain("fail_closed_status")
                .contains("\\\"required\\\": [\\\"title\\\"]");
        // the policy deleted: its schema is forgotten
        assertThat(translate("", List.of(), good.validationSchemas()).validationSchemas()).isEmpty();
    }

    @Test
    void aPolicyThatDoesNotValidateWithoutLastGoodVersionFailsClosed() {
        List<Resource> bad = ResourceLoader.load("bad.yaml", """
                apiVersion: lattice.dev/v1alpha1
                kind: RequestValidationPolicy
                metadata: {name: broken, namespace: default}
                spec:
                  targetRefs: [{group: "", kind: Service, name: books}]
                  methods: [get]
                """).objects().stream().map(ResourceLoader.LoadedObject::resource).toList();
        assertThat(bad).hasSize(1);
        MeshTranslation t = translate("", new ArrayList<>(bad));
        assertThat(inboundJson(t)).contains("\"fail_closed_status\": 503", "RequestValidationPolicy/default/broken");
        assertThat(PolicyStatusTest.summary(t, "RequestValidationPolicy", "broken")).isEqualTo("Service books Accepted=False/Invalid;");
    }
}
