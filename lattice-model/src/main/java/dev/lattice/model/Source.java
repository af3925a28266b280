package dev.lattice.model;

import static java.util.Objects.requireNonNull;

/** Where a resource (or a field of it) was written: a file path as the user gave it and a 1-based line (0 when unknown). */
public record Source(String file, int line) {
    public Source {
        requireNonNull(file, "file");
    }
}
