package dev.lattice.control.source;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.util.List;

/**
 * What a source holds now: the resources that apply (for a file or object that is broken now, its last good
 * version stays here), every current problem, each naming file:line, object and field, and {@code rejected}: the
 * objects whose current version does not validate, as written. Most kinds simply keep their last good version; a
 * policy kind that must fail closed (an AuthorizationPolicy that cannot be understood never opens access) is judged
 * by translation from its rejected version instead.
 */
public record SourceState(List<Resource> resources, List<Problem> problems, List<Resource> rejected) {
    public SourceState {
        resources = List.copyOf(resources);
        problems = List.copyOf(problems);
        rejected = List.copyOf(rejected);
    }

    /** A state in which every object validates. */
    public SourceState(List<Resource> resources, List<Problem> problems) {
        this(resources, problems, List.of());
    }
}
