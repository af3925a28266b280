package dev.lattice.control;

/**
 * A RequestValidationPolicy's schema that compiled: its JSON Schema text or its OpenAPI document (one of them is
 * null). The control plane keeps the last one of each policy, so that a schema that stops compiling (a ConfigMap
 * edited badly, say) leaves the last good one serving instead of failing closed.
 */
public record ValidationSchema(String jsonSchema, String openApi) {
    public ValidationSchema {
        if ((jsonSchema == null) == (openApi == null)) throw new IllegalArgumentException("exactly one of jsonSchema and openApi");
    }
}
