package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lattice.model.Resource;

/**
 * A Gateway's {@code status.addresses}: the addresses its spec.addresses asks for (type IPAddress unless written),
 * else 127.0.0.1, where a local gateway can be reached (its listeners bind 0.0.0.0).
 */
final class GatewayAddresses {
    static final String LOCAL = "127.0.0.1";

    private GatewayAddresses() {}

    static ArrayNode of(Resource gateway) {
        ArrayNode out = Status.JSON.arrayNode();
        JsonNode asked = gateway == null ? null : gateway.object().path("spec").path("addresses");
        if (asked != null && asked.isArray()) {
            for (JsonNode a : asked) {
                String value = a.path("value").asText("");
                if (value.isEmpty()) continue;
                out.addObject().put("type", a.path("type").asText("IPAddress")).put("value", value);
            }
        }
        if (out.isEmpty()) out.addObject().put("type", "IPAddress").put("value", LOCAL);
        return out;
    }
}
