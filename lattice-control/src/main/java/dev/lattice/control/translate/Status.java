package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builders for Kubernetes-style status conditions. */
final class Status {
    /** Translation has no clock: every condition carries this; the control plane runtime stamps the real time. */
    static final String NO_TIME = "1970-01-01T00:00:00Z";
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Status() {}

    static ObjectNode condition(String type, boolean status, String reason, String message, long generation) {
        ObjectNode c = JSON.objectNode();
        c.put("type", type);
        c.put("status", status ? "True" : "False");
        c.put("reason", reason);
        c.put("message", message);
        c.put("observedGeneration", generation);
        c.put("lastTransitionTime", NO_TIME);
        return c;
    }

    static ArrayNode array(ObjectNode... items) {
        ArrayNode a = JSON.arrayNode();
        for (ObjectNode i : items) a.add(i);
        return a;
    }

    /** A route parent's parentRef as status.parents[].parentRef shows it (unset optional fields left out). */
    static ObjectNode parentRef(dev.lattice.model.HttpRoute.ParentRef ref) {
        ObjectNode p = JSON.objectNode();
        p.put("group", ref.group());
        p.put("kind", ref.kind());
        if (ref.namespace() != null) p.put("namespace", ref.namespace());
        p.put("name", ref.name());
        if (ref.sectionName() != null) p.put("sectionName", ref.sectionName());
        if (ref.port() != null) p.put("port", ref.port());
        return p;
    }
}
