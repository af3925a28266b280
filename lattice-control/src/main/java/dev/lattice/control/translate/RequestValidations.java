package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ValidationSchema;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.ConfigMap;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.Lines;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Problem;
import dev.lattice.model.RequestValidationPolicy;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RequestValidationPolicy on the control side: which policy governs a {@link RouteSite} ({@link RoutePolicies}), its
 * schema resolved (inline or a ConfigMap key) and checked to compile (a JSON Schema against its draft 2020-12
 * meta-schema; an OpenAPI document for its {@code openapi} version and {@code paths}), giving the {@link Ir.Validation}
 * the proxy enforces. A policy whose schema is missing or does not compile keeps serving the last schema of it that
 * compiled (from an earlier translation, {@link MeshSnapshot#lastGoodSchemas()}) and fails closed (503) when it has
 * none, with a problem and Accepted=False either way; a policy that does not validate and has no last good version
 * fails closed too. Statuses: GEP-713 ancestors per target.
 */
final class RequestValidations {
    static final int FAIL_CLOSED_STATUS = 503;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static volatile Schema metaSchema;

    private final MeshIndex index;
    private final RoutePolicies<RequestValidationPolicy> policies;
    private final PolicyTargets targets;
    private final List<Problem> problems;
    /** Each policy's IR, once resolved; its schema problem when it has one. */
    private final Map<RequestValidationPolicy, Ir.Validation> resolved = new HashMap<>();
    private final Map<RequestValidationPolicy, String> schemaErrors = new HashMap<>();
    /** Each policy's last good schema from earlier translations, and the schema each serves now. */
    private final Map<ResourceKey, ValidationSchema> lastGood;
    private final Map<ResourceKey, ValidationSchema> served = new HashMap<>();

    RequestValidations(MeshIndex index, List<Resource> rejected, List<Problem> problems,
                       Map<ResourceKey, ValidationSchema> lastGood) {
        this.lastGood = lastGood;
        this.index = index;
        this.policies = new RoutePolicies<>(index, RequestValidationPolicy.KIND, index.requestValidationPolicies,
                RequestValidationPolicy::meta, RequestValidationPolicy::targetRefs, rejected);
        this.targets = new PolicyTargets(index);
        this.problems = problems;
    }

    /** The validation that governs {@code site}, or null. */
    Ir.Validation at(RouteSite site) {
        RoutePolicies.Effective<RequestValidationPolicy> e = policies.at(site);
        if (e.none()) return null;
        if (e.broken() != null) {
            Resource r = e.broken();
            return Ir.Validation.failClosed(RequestValidationPolicy.KIND + "/" + r.namespace() + "/" + r.name(),
                    FAIL_CLOSED_STATUS, "request validation policy is invalid");
        }
        return resolved.computeIfAbsent(e.policy(), this::resolve);
    }

    private Ir.Validation resolve(RequestValidationPolicy p) {
        String name = RequestValidationPolicy.KIND + "/" + p.meta().namespace() + "/" + p.meta().name();
        String schema = null;
        String openApi = null;
        String error = null;
        String field = null;
        if (p.jsonSchema() != null) {
            field = "spec.jsonSchema";
            if (p.jsonSchema().inline() != null) {
                schema = p.jsonSchema().inline();
            } else {
                field = "spec.jsonSchema.configMapRef";
                schema = configMap(p, p.jsonSchema().configMapRef());
                if (schema == null) error = missing(p, p.jsonSchema().configMapRef());
            }
            if (error == null) error = checkSchema(schema);
        } else if (p.openApi() != null) {
            field = "spec.openAPI.configMapRef";
            openApi = configMap(p, p.openApi());
            error = openApi == null ? missing(p, p.openApi()) : checkOpenApi(openApi);
        }
        if (error != null) {
            ValidationSchema last = lastGood.get(p.key());
            if (last == null) {
                schemaErrors.put(p, error + "; it fails closed: its targets answer " + FAIL_CLOSED_STATUS + " until it is fixed");
                problems.add(Lines.problem(index.resource(p), field, error + "; the policy fails closed (" + FAIL_CLOSED_STATUS + ")"));
                return Ir.Validation.failClosed(name, FAIL_CLOSED_STATUS, "request validation policy cannot be served");
            }
            schemaErrors.put(p, error + "; the last schema of it that compiled keeps serving until it is fixed");
            problems.add(Lines.problem(index.resource(p), field, error + "; the last schema of the policy that compiled keeps serving"));
            schema = last.jsonSchema();
            openApi = last.openApi();
        }
        if (schema != null || openApi != null) served.put(p.key(), new ValidationSchema(schema, openApi));
        RequestValidationPolicy.Limits l = p.limits();
        return new Ir.Validation(name, l.maxUriBytes(), l.maxHeadersBytes(), l.maxHeaders(), l.maxBodyBytes(),
                p.methods(), p.contentTypes(), schema, openApi, 0, null);
    }

    private String configMap(RequestValidationPolicy p, RequestValidationPolicy.ConfigMapKey k) {
        ConfigMap c = index.configMaps.get(p.meta().namespace() + "/" + k.name());
        return c == null ? null : c.data().get(k.key());
    }

    private String missing(RequestValidationPolicy p, RequestValidationPolicy.ConfigMapKey k) {
        ConfigMap c = index.configMaps.get(p.meta().namespace() + "/" + k.name());
        return c == null ? "ConfigMap " + p.meta().namespace() + "/" + k.name() + " does not exist"
                : "ConfigMap " + p.meta().namespace() + "/" + k.name() + " has no key \"" + k.key() + "\"";
    }

    private static Schema meta() {
        Schema m = metaSchema;
        if (m == null) metaSchema = m = REGISTRY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        return m;
    }

    /** Null when {@code text} is a JSON Schema that compiles; else what is wrong. */
    static String checkSchema(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (Exception e) {
            return "the JSON Schema is not JSON: " + firstLine(e.getMessage());
        }
        return checkSchemaNode(node, "");
    }

    private static String checkSchemaNode(JsonNode node, String where) {
        if (node == null || !(node.isObject() || node.isBoolean())) return "the JSON Schema" + where + " must be an object or a boolean";
        try {
            List<com.networknt.schema.Error> errors = meta().validate(node);
            if (!errors.isEmpty()) {
                List<String> msgs = new ArrayList<>();
                for (com.networknt.schema.Error er : errors) msgs.add(er.getInstanceLocation() + ": " + er.getMessage());
                return "the JSON Schema" + where + " does not compile: " + String.join("; ", msgs);
            }
            REGISTRY.getSchema(node).validate(JSON.nullNode());
        } catch (RuntimeException e) {
            return "the JSON Schema" + where + " does not compile: " + firstLine(e.getMessage());
        }
        return null;
    }

    /** Null when {@code text} is an OpenAPI 3.0/3.1 document with paths whose request body schemas compile. */
    static String checkOpenApi(String text) {
        JsonNode doc;
        try {
            doc = YAML.readTree(text);
        } catch (Exception e) {
            return "the OpenAPI document is neither JSON nor YAML: " + firstLine(e.getMessage());
        }
        if (doc == null || !doc.isObject()) return "the OpenAPI document must be an object";
        String v = doc.path("openapi").asText("");
        if (!v.startsWith("3.0") && !v.startsWith("3.1")) return "the OpenAPI document must say openapi: 3.0.x or 3.1.x, not \"" + v + "\"";
        if (!doc.path("paths").isObject()) return "the OpenAPI document has no paths";
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The schema each policy serves after {@link #statuses}: the next translation's last good ones. */
    Map<ResourceKey, ValidationSchema> served() {
        return served;
    }

    /** Writes the status of every valid policy (the rejected ones are {@link PolicyStatuses}'). */
    void statuses(Map<ResourceKey, ObjectNode> statuses, java.util.Set<ResourceKey> rejected) {
        java.util.Set<RequestValidationPolicy> conflicted = policies.conflicted();
        for (RequestValidationPolicy p : index.requestValidationPolicies) {
            if (rejected.contains(p.key())) continue;
            if (!resolved.containsKey(p)) resolve(p); // a policy no route used: its schema is checked all the same
            String schemaError = schemaErrors.get(p);
            ArrayNode ancestors = Status.JSON.arrayNode();
            long gen = p.meta().generation();
            for (PolicyTargetRef t : p.targetRefs()) {
                String missing = targets.missing(p.meta().namespace(), t);
                ObjectNode cond;
                if (missing != null) cond = Status.condition("Accepted", false, "TargetNotFound", missing, gen);
                else if (schemaError != null) cond = Status.condition("Accepted", false, "Invalid", schemaError, gen);
                else if (conflicted.contains(p)) cond = Status.condition("Accepted", false, "Conflicted",
                        "An older RequestValidationPolicy attaches as specifically to the same routes; it applies there", gen);
                else cond = Status.condition("Accepted", true, "Accepted", "Policy accepted", gen);
                ObjectNode ref = Status.JSON.objectNode();
                ref.put("group", t.group());
                ref.put("kind", t.kind());
                ref.put("namespace", p.meta().namespace());
                ref.put("name", t.name());
                if (t.sectionName() != null) ref.put("sectionName", t.sectionName());
                ObjectNode a = Status.JSON.objectNode();
                a.set("ancestorRef", ref);
                a.put("controllerName", GatewayClass.LATTICE_CONTROLLER);
                a.set("conditions", Status.array(cond));
                ancestors.add(a);
            }
            ObjectNode st = Status.JSON.objectNode();
            st.set("ancestors", ancestors);
            statuses.put(p.key(), st);
        }
    }
}
