package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Kubernetes-style object as the user wrote it: its key, apiVersion, where it was written, and the whole
 * object (metadata, spec; any status the user wrote is ignored). Treat {@code object} as read-only.
 * Typed views of the spec live beside this class (see the model package).
 */
public record Resource(ResourceKey key, String apiVersion, Source source, ObjectNode object, long generation) {
    public Resource {
        requireNonNull(key, "key");
        requireNonNull(apiVersion, "apiVersion");
        requireNonNull(source, "source");
        requireNonNull(object, "object");
        if (generation < 1) throw new IllegalArgumentException("generation must be at least 1: " + generation);
    }

    /** A resource whose generation is the one written in metadata.generation, else 1 (as the API server starts). */
    public Resource(ResourceKey key, String apiVersion, Source source, ObjectNode object) {
        this(key, apiVersion, source, object, Math.max(1, object.path("metadata").path("generation").asLong(1)));
    }

    /** Whether the user wrote metadata.generation (the API server would not let them; off Kubernetes we honour it). */
    public boolean generationWritten() {
        return object.path("metadata").has("generation");
    }

    /** The same resource at another generation. */
    public Resource withGeneration(long generation) {
        return generation == this.generation ? this : new Resource(key, apiVersion, source, object, generation);
    }

    /** What a change of bumps the generation, as on the API server: the spec (or, for kinds without one, all but metadata and status). */
    public com.fasterxml.jackson.databind.JsonNode desired() {
        if (object.has("spec")) return object.get("spec");
        ObjectNode rest = object.deepCopy();
        rest.remove("metadata");
        rest.remove("status");
        return rest;
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
}
