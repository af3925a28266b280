package dev.lattice.control.source;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.util.List;

/**
 * What a source holds now: the resources that apply (for a file or object that is broken now, its last good
 * version stays here) and every current problem, each naming file:line, object and field.
 */
public record SourceState(List<Resource> resources, List<Problem> problems) {
    public SourceState {
        resources = List.copyOf(resources);
        problems = List.copyOf(problems);
    }
}
