package dev.lattice.proxy.xds;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * The result of parsing one state-of-the-world response: the resources to use from now on (valid new ones, plus
 * the previous version of any that was rejected) and the rejection reasons.
 */
public record ResourceUpdate<T>(Map<String, T> resources, List<String> errors) {
    public ResourceUpdate {
        requireNonNull(resources, "resources");
        errors = List.copyOf(requireNonNull(errors, "errors"));
    }

    public boolean accepted() {
        return errors.isEmpty();
    }

    /** The NACK message: every rejection, separated by "; ". */
    public String errorDetail() {
        return String.join("; ", errors);
    }
}
