package dev.lattice.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A field of a resource being read into a typed record: its value (null when missing), its path as problems
 * spell it, and its line. Reading a wrong value records a {@link Problem} and returns the default.
 */
final class Field {
    private final JsonNode json;
    private final String path;
    private final int line;
    private final Resource resource;
    private final List<Problem> problems;

    private Field(JsonNode json, String path, int line, Resource resource, List<Problem> problems) {
        this.json = json;
        this.path = path;
        this.line = line;
        this.resource = resource;
        this.problems = problems;
    }

    static Field root(Resource resource, List<Problem> problems) {
        return new Field(resource.object(), "", resource.source().line(), resource, problems);
    }

    Field get(String name) {
        JsonNode child = json != null && json.isObject() ? json.get(name) : null;
        int l = json instanceof LineObjectNode o && o.fieldLine(name) > 0 ? o.fieldLine(name) : line;
        return new Field(child, path.isEmpty() ? name : path + "." + name, l, resource, problems);
    }

    Field at(int index) {
        JsonNode child = json != null && json.isArray() ? json.get(index) : null;
        int l = json instanceof LineArrayNode a && a.itemLine(index) > 0 ? a.itemLine(index) : line;
        return new Field(child, path + "[" + index + "]", l, resource, problems);
    }

    String path() {
        return path;
    }

    int line() {
        return line;
    }

    boolean present() {
        return json != null && !json.isNull();
    }

    JsonNode json() {
        return json;
    }

    void problem(String message) {
        ResourceKey k = resource.key();
        problems.add(new Problem(resource.source().file(), line, k.kind(), k.namespace(), k.name(), path, message));
    }

    /** Reports "required" when missing; true when present. */
    boolean require() {
        if (present()) return true;
        problem("required");
        return false;
    }

    String string(String def) {
        if (!present()) return def;
        if (json.isValueNode()) return json.asText();
        problem("must be a string");
        return def;
    }

    String requiredString() {
        if (!require()) return "";
        String s = string("");
        if (s.isEmpty() && json.isValueNode()) problem("must not be empty");
        return s;
    }

    /** A string that must be one of {@code allowed}; the default when missing. */
    String oneOf(String def, Collection<String> allowed) {
        String s = string(def);
        if (s != null && present() && !allowed.contains(s)) {
            problem("must be one of " + String.join(", ", allowed) + ", not \"" + s + "\"");
            return def;
        }
        return s;
    }

    Integer integer(Integer def, long min, long max) {
        if (!present()) return def;
        if (!json.isIntegralNumber() || !json.canConvertToLong()) {
            problem("must be an integer, not " + describe(json));
            return def;
        }
        long v = json.asLong();
        if (v < min || v > max) {
            problem("must be between " + min + " and " + max + ", not " + v);
            return def;
        }
        return (int) v;
    }

    Integer port(boolean required) {
        if (required && !require()) return null;
        return integer(null, 1, 65535);
    }

    boolean bool(boolean def) {
        if (!present()) return def;
        if (json.isBoolean()) return json.asBoolean();
        problem("must be true or false, not " + describe(json));
        return def;
    }

    List<Field> list() {
        if (!present()) return List.of();
        if (!json.isArray()) {
            problem("must be a list, not " + describe(json));
            return List.of();
        }
        List<Field> out = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) out.add(at(i));
        return out;
    }

    List<String> strings() {
        List<String> out = new ArrayList<>();
        for (Field f : list()) {
            String s = f.string(null);
            if (s != null) out.add(s);
            else if (!f.present()) f.problem("must be a string, not null");
        }
        return List.copyOf(out);
    }

    Map<String, String> stringMap() {
        if (!present()) return Map.of();
        if (!json.isObject()) {
            problem("must be a map of strings, not " + describe(json));
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = json.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            String v = get(k).string(null);
            if (v == null) get(k).problem("must be a string");
            else out.put(k, v);
        }
        return Map.copyOf(out);
    }

    /**
     * Reports every field of this object that is not one of {@code known}, as Kubernetes' strict field
     * validation does (a typo such as {@code backendRef} would otherwise be silently ignored).
     */
    void known(String... known) {
        if (json == null || !json.isObject()) return;
        List<String> k = List.of(known);
        for (var it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!k.contains(name)) get(name).problem("unknown field \"" + name + "\" (known here: " + String.join(", ", k) + ")");
        }
    }

    /** Checks that this is an object when present. */
    boolean object() {
        if (!present()) return false;
        if (json.isObject()) return true;
        problem("must be an object, not " + describe(json));
        return false;
    }

    private static String describe(JsonNode n) {
        if (n.isTextual()) return "\"" + n.asText() + "\"";
        if (n.isObject()) return "an object";
        if (n.isArray()) return "a list";
        return n.toString();
    }
}
