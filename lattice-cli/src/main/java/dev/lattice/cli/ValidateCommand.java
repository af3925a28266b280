package dev.lattice.cli;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.local.PortPlacer;
import dev.lattice.control.source.DirectorySource;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.translate.MeshTranslation;
import dev.lattice.control.translate.MeshTranslator;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lattice validate DIR}: every problem as {@code file:line: Kind ns/name: field: message}; exit 1 if any. */
@Command(name = "validate", description = "Check the YAML under DIR as `lattice up` would; print every problem "
        + "as file:line: Kind ns/name: field: message and exit 1 if there is any.")
public final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "directory of *.yaml / *.yml files")
    Path dir;

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            System.out.println(dir + ": not a directory");
            return 2;
        }
        SourceState state = DirectorySource.load(dir);
        Set<Problem> problems = new LinkedHashSet<>(state.problems());
        try {
            var requests = MeshTranslator.proxies(state.resources());
            MeshTranslation t = MeshTranslator.translate(
                    new MeshSnapshot(1, state.resources(), state.problems(), new PortPlacer().place(requests)));
            problems.addAll(t.problems());
        } catch (RuntimeException e) {
            problems.add(new Problem("", 0, "", "", "", "", "translation failed: " + e));
        }
        for (Problem p : problems) System.out.println(p);
        Map<String, Long> kinds = state.resources().stream()
                .collect(Collectors.groupingBy(Resource::kind, TreeMap::new, Collectors.counting()));
        String summary = kinds.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
        if (!problems.isEmpty()) {
            System.out.println(dir + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
                    + " (" + state.resources().size() + " resources read)");
            return 1;
        }
        System.out.println(dir + ": ok, " + state.resources().size() + " resources"
                + (summary.isEmpty() ? "" : " (" + summary + ")") + ", no problems");
        return 0;
    }
}
