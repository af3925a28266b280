package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Kubernetes-style object as the user wrote it: its key, apiVersion, where it was written, and the whole
 * object (metadata, spec; any status the user wrote is ignored). Treat {@code object} as read-only.
 * Typed views of the spec live beside this class (see the model package).
 */
public record Resource(ResourceKey key, String apiVersion, Source source, ObjectNode object) {
    public Resource {
        requireNonNull(key, "key");
        requireNonNull(apiVersion, "apiVersion");
        requireNonNull(source, "source");
        requireNonNull(object, "object");
    }

    public String kind() {
        return key.kind();
    }

    public String namespace() {
        return key.namespace();
    }

    public String name() {
        return key.name();
    }

    /** metadata.generation, 1 when the user did not write one (as the API server starts at 1). */
    public long generation() {
        return object.path("metadata").path("generation").asLong(1);
    }
}
