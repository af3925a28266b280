package dev.lattice.proxy.filter.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.router.QueryParams;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request checked against the matching operation of an OpenAPI 3.0/3.1 document: the operation is chosen by path
 * template ({@code /pets/{id}}; a literal template wins over one with parameters) and method; its path and query
 * parameters are checked against their schemas (a value is read as a number or boolean when its schema asks for one)
 * and its JSON request body against {@code requestBody.content["application/json"].schema} ({@code $ref}s into the
 * document resolve). A request that matches no operation is answered 404, a path without the method 405: the document
 * is the whole API. Schemas are compiled by networknt's json-schema-validator, the document being the schema resource.
 */
final class OpenApiCheck implements BodyCheck {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String DOC = "urn:lattice:openapi";
    private static final LocalReply R404 = LocalReply.of(404, "no operation of the API matches the request");
    private static final LocalReply R405 = LocalReply.of(405, "the API has no such method on this path");

    record Param(String name, String in, boolean required, Schema schema, String type) {}

    record Operation(String method, List<Param> params, Schema body, boolean bodyRequired) {}

    record PathItem(String template, Pattern pattern, List<String> names, int literal, List<Operation> ops) {}

    private final List<PathItem> paths;

    private OpenApiCheck(List<PathItem> paths) {
        this.paths = paths;
    }

    static OpenApiCheck compile(String text) {
        JsonNode doc;
        try {
            doc = YAML.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("the OpenAPI document is neither JSON nor YAML: " + e.getMessage());
        }
        if (doc == null || !doc.isObject() || !doc.path("paths").isObject()) throw new IllegalArgumentException("an OpenAPI document with paths is expected");
        String version = doc.path("openapi").asText("");
        boolean v30 = version.startsWith("3.0");
        if (!v30 && !version.startsWith("3.1")) throw new IllegalArgumentException("openapi must be 3.0.x or 3.1.x, not \"" + version + "\"");
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(v30 ? SpecificationVersion.DRAFT_4 : SpecificationVersion.DRAFT_2020_12,
                b -> b.schemas(Map.of(DOC, doc.toString())));
        List<PathItem> items = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String template = e.getKey();
            StringBuilder re = new StringBuilder();
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("\\{([^}/]+)}").matcher(template);
            int at = 0;
            int literal = 0;
            while (m.find()) {
                re.append(Pattern.quote(template.substring(at, m.start()))).append("([^/]+)");
                literal += m.start() - at;
                names.add(m.group(1));
                at = m.end();
            }
            re.append(Pattern.quote(template.substring(at)));
            literal += template.length() - at;
            String base = "/paths/" + pointerEscape(template);
            List<Operation> ops = new ArrayList<>();
            for (String method : List.of("get", "put", "post", "delete", "options", "head", "patch", "trace")) {
                JsonNode op = e.getValue().get(method);
                if (op == null) continue;
                List<Param> params = new ArrayList<>();
                addParams(registry, e.getValue().path("parameters"), base + "/parameters", params, doc);
                addParams(registry, op.path("parameters"), base + "/" + method + "/parameters", params, doc);
                JsonNode rb = resolve(doc, op.path("requestBody"));
                Schema body = null;
                boolean required = false;
                if (rb.isObject() && rb.path("content").path("application/json").has("schema")) {
                    body = schema(registry, rb.path("content").path("application/json").path("schema"),
                            "/paths/" + pointerEscape(template) + "/" + method + "/requestBody/content/application~1json/schema", doc);
                    required = rb.path("required").asBoolean(false);
                }
                ops.add(new Operation(method.toUpperCase(Locale.ROOT), List.copyOf(params), body, required));
            }
            items.add(new PathItem(template, Pattern.compile(re.toString()), List.copyOf(names), names.isEmpty() ? Integer.MAX_VALUE : literal, List.copyOf(ops)));
        }
        items.sort((a, b) -> Integer.compare(b.literal(), a.literal()));
        return new OpenApiCheck(List.copyOf(items));
    }

    private static void addParams(SchemaRegistry registry, JsonNode list, String base, List<Param> out, JsonNode doc) {
        if (!list.isArray()) return;
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = resolve(doc, list.get(i));
            String in = p.path("in").asText("");
            if (!in.equals("path") && !in.equals("query")) continue;
            String name = p.path("name").asText("");
            Schema s = p.has("schema") ? schema(registry, p.get("schema"), base + "/" + i + "/schema", doc) : null;
            String type = p.path("schema").path("type").asText("string");
            out.removeIf(x -> x.name().equals(name) && x.in().equals(in)); // an operation's parameter overrides the path's
            out.add(new Param(name, in, p.path("required").asBoolean(in.equals("path")), s, type));
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode n) {
        if (n.has("$ref") && n.get("$ref").asText().startsWith("#")) return doc.at(n.get("$ref").asText().substring(1));
        return n;
    }

    private static Schema schema(SchemaRegistry registry, JsonNode node, String pointer, JsonNode doc) {
        try {
            Schema s = registry.getSchema(SchemaLocation.of(DOC + "#" + pointer));
            s.validate(JsonNodeFactory.instance.nullNode());
            return s;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the schema at " + pointer + " does not compile: " + e.getMessage());
        }
    }

    private static String pointerEscape(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }

    @Override
    public Bound bind(RequestView request) {
        String path = request.path();
        PathItem item = null;
        Matcher m = null;
        for (PathItem p : paths) {
            Matcher x = p.pattern().matcher(path);
            if (x.matches()) {
                item = p;
                m = x;
                break;
            }
        }
        if (item == null) return new Bound(R404, null);
        Operation op = null;
        for (Operation o : item.ops()) if (o.method().equals(request.method())) op = o;
        if (op == null) return new Bound(R405, null);
        List<ProblemJson.Violation> vs = new ArrayList<>();
        Map<String, String> query = null;
        for (Param p : op.params()) {
            String raw;
            if (p.in().equals("path")) {
                int idx = item.names().indexOf(p.name());
                raw = idx < 0 ? null : URLDecoder.decode(m.group(idx + 1), StandardCharsets.UTF_8);
            } else {
                if (query == null) {
                    String u = request.pathAndQuery();
                    int q = u.indexOf('?');
                    query = QueryParams.parse(u, q < 0 ? u.length() : q);
                }
                raw = query.get(p.name());
            }
            if (raw == null) {
                if (p.required()) vs.add(ProblemJson.Violation.param(p.name(), p.in(), "required"));
                continue;
            }
            if (p.schema() == null) continue;
            JsonNode value = typed(raw, p.type());
            for (Error e : p.schema().validate(value)) vs.add(ProblemJson.Violation.param(p.name(), p.in(), e.getMessage()));
        }
        if (!vs.isEmpty()) return new Bound(ProblemJson.badRequest("the request parameters do not match the API", vs), null);
        if (op.body() == null) return Bound.NOTHING;
        Operation o = op;
        CharSequence ct = request.header("content-type");
        return new Bound(null, body -> {
            if (!body.isReadable()) {
                return o.bodyRequired() ? ProblemJson.badRequest("the request body is required",
                        List.of(ProblemJson.Violation.body("", "required"))) : null;
            }
            if (ct != null && !RouteValidation.isJson(ct)) return null; // another media type of the operation
            return JsonSchemaCheck.validate(o.body(), body, "the request body does not match the API");
        });
    }

    private static JsonNode typed(String raw, String type) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        try {
            switch (type) {
                case "integer" -> {
                    return f.numberNode(new java.math.BigInteger(raw));
                }
                case "number" -> {
                    return f.numberNode(new java.math.BigDecimal(raw));
                }
                case "boolean" -> {
                    if (raw.equals("true") || raw.equals("false")) return f.booleanNode(Boolean.parseBoolean(raw));
                }
                default -> {}
            }
        } catch (NumberFormatException e) {
            // left a string: the schema's type check names it
        }
        return f.textNode(raw);
    }
}
