package dev.lattice.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * Fills {@code lastTransitionTime} in every {@code conditions} array of a status (the object's own,
 * {@code listeners[].conditions}, {@code parents[].conditions}, ...): the previous time when the same
 * condition (same place, same type) had the same status, else now.
 */
public final class Conditions {
    private Conditions() {}

    /** A copy of {@code status} with every condition's lastTransitionTime filled. */
    public static ObjectNode stamp(ObjectNode status, ObjectNode previous, Instant now) {
        ObjectNode out = status.deepCopy();
        Map<String, JsonNode> old = new HashMap<>();
        if (previous != null) collect(previous, "", old);
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        fill(out, "", old, time);
        return out;
    }

    private static void collect(JsonNode node, String path, Map<String, JsonNode> into) {
        walk(node, path, (key, condition) -> into.put(key, condition));
    }

    private static void fill(JsonNode node, String path, Map<String, JsonNode> old, String now) {
        walk(node, path, (key, condition) -> {
            if (!(condition instanceof ObjectNode c)) return;
            JsonNode before = old.get(key);
            if (before != null && before.path("status").equals(c.path("status"))
                    && before.path("lastTransitionTime").isTextual()) {
                c.put("lastTransitionTime", before.path("lastTransitionTime").asText());
            } else {
                c.put("lastTransitionTime", now);
            }
        });
    }

    private interface Visitor {
        void condition(String key, JsonNode condition);
    }

    private static void walk(JsonNode node, String path, Visitor v) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("conditions") && e.getValue().isArray()) {
                    for (JsonNode c : e.getValue()) v.condition(path + "|" + c.path("type").asText(), c);
                } else {
                    walk(e.getValue(), path + "." + e.getKey(), v);
                }
            });
        } else if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                JsonNode el = a.get(i);
                String id;
                if (el.path("name").isTextual()) id = el.path("name").asText();
                else if (el.has("parentRef")) id = el.get("parentRef").toString();
                else id = Integer.toString(i);
                walk(el, path + "[" + id + "]", v);
            }
        }
    }
}
