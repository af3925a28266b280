package dev.lattice.model;

import static java.util.Objects.requireNonNull;

/**
 * One thing wrong with the user's input, named by its place: {@code file:line: Kind ns/name: field: message}.
 * Parts that are unknown are empty strings (line 0); {@link #toString()} leaves them out.
 */
public record Problem(String file, int line, String kind, String namespace, String name, String field, String message) {
    public Problem {
        requireNonNull(file, "file");
        requireNonNull(kind, "kind");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        requireNonNull(field, "field");
        requireNonNull(message, "message");
    }

    public static Problem at(Source source, ResourceKey key, String field, String message) {
        return new Problem(source.file(), source.line(), key.kind(), key.namespace(), key.name(), field, message);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (!file.isEmpty()) {
            b.append(file);
            if (line > 0) b.append(':').append(line);
            b.append(": ");
        }
        if (!kind.isEmpty()) {
            b.append(kind).append(' ');
            if (!namespace.isEmpty()) b.append(namespace).append('/');
            b.append(name).append(": ");
        }
        if (!field.isEmpty()) b.append(field).append(": ");
        return b.append(message).toString();
    }
}
