package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ValidationSchema;
import dev.lattice.model.Problem;
import dev.lattice.model.ResourceKey;
import java.util.List;
import java.util.Map;

/**
 * The result of translating one snapshot: what each proxy gets, the Kubernetes-style {@code status} of each
 * resource that has one (Gateway, HTTPRoute, GatewayClass ...), and the problems translation found
 * (a route to a missing Service, say) in addition to the snapshot's own, and the schema each RequestValidationPolicy
 * serves (one that compiled now, or its last good one): the next snapshot's {@link MeshSnapshot#lastGoodSchemas()}.
 */
public record MeshTranslation(Map<ProxyId, ProxyXds> proxies, Map<ResourceKey, ObjectNode> statuses, List<Problem> problems,
                              Map<ResourceKey, ValidationSchema> validationSchemas) {
    public MeshTranslation {
        proxies = Map.copyOf(proxies);
        statuses = Map.copyOf(statuses);
        problems = List.copyOf(problems);
        validationSchemas = Map.copyOf(validationSchemas);
    }
}
