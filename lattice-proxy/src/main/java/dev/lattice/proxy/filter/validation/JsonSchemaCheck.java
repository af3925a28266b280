package dev.lattice.proxy.filter.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON body checked against a JSON Schema (draft 2020-12 unless its {@code $schema} says otherwise), with networknt's
 * json-schema-validator. A request without a body is not checked; a body that is not JSON is a 400 naming the root.
 */
final class JsonSchemaCheck implements BodyCheck {
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static volatile Schema metaSchema;

    private final Schema schema;
    private final RequestView.BodyCallback callback = this::check;

    JsonSchemaCheck(Schema schema) {
        this.schema = schema;
    }

    static JsonSchemaCheck compile(String text) {
        JsonNode node;
        try {
            node = ProblemJson.JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("the JSON Schema is not JSON: " + e.getMessage());
        }
        return new JsonSchemaCheck(compileNode(node));
    }

    /** Compiles a schema after checking it against its meta-schema; throws IllegalArgumentException with the reason. */
    static Schema compileNode(JsonNode node) {
        if (node == null || !(node.isObject() || node.isBoolean())) throw new IllegalArgumentException("a JSON Schema is an object or a boolean");
        try {
            Schema m = metaSchema;
            if (m == null) metaSchema = m = REGISTRY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
            List<Error> errors = m.validate(node);
            if (!errors.isEmpty()) throw new IllegalArgumentException("the JSON Schema does not compile: " + errors.get(0).getMessage());
            Schema s = REGISTRY.getSchema(node);
            s.validate(ProblemJson.JSON.nullNode()); // loads every keyword (and $ref) now, not on the first request
            return s;
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) throw e;
            throw new IllegalArgumentException("the JSON Schema does not compile: " + e.getMessage());
        }
    }

    @Override
    public Bound bind(RequestView request) {
        return new Bound(null, callback);
    }

    private LocalReply check(ByteBuf body) {
        if (!body.isReadable()) return null;
        return validate(schema, body, "the request body does not match the schema");
    }

    static LocalReply validate(Schema schema, ByteBuf body, String detail) {
        JsonNode json;
        try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
            json = ProblemJson.JSON.readTree((java.io.InputStream) in);
        } catch (Exception e) {
            return ProblemJson.badRequest("the request body is not JSON", List.of(ProblemJson.Violation.body("", "not JSON: "
                    + firstLine(e.getMessage()))));
        }
        List<Error> errors = schema.validate(json);
        if (errors.isEmpty()) return null;
        List<ProblemJson.Violation> vs = new ArrayList<>();
        for (Error e : errors) vs.add(ProblemJson.Violation.body(pointer(e), e.getMessage()));
        return ProblemJson.badRequest(detail, vs);
    }

    /** The JSON Pointer of the failing field: the instance location, plus the missing property of a "required". */
    static String pointer(Error e) {
        StringBuilder b = new StringBuilder();
        NodePath p = e.getInstanceLocation();
        for (int i = 0; i < p.getNameCount(); i++) {
            b.append('/').append(escape(String.valueOf(p.getElement(i))));
        }
        if ("required".equals(e.getKeyword()) && e.getProperty() != null) b.append('/').append(escape(e.getProperty()));
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }

    static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
