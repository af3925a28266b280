package dev.lattice.control.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySourceTest {
    @TempDir
    Path tmp;

    static String service(String name, int port) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %s}
                spec:
                  selector: {app: %s}
                  ports: [{name: http, port: %d}]
                """.formatted(name, name, port);
    }

    static ResourceKey svc(String name) {
        return new ResourceKey("Service", "default", name);
    }

    static List<ResourceKey> keys(SourceState s) {
        return s.resources().stream().map(Resource::key).toList();
    }

    static Resource resource(SourceState s, String name) {
        return s.resources().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    static List<String> problems(SourceState s) {
        return s.problems().stream().map(Problem::toString).toList();
    }

    @Test
    void loadReadsRecursivelyAndNamesFilesUnderTheGivenDirectory() throws Exception {
        Path dir = tmp.resolve("mesh");
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.createDirectories(dir.resolve(".hidden"));
        Files.writeString(dir.resolve("a.yaml"), service("a", 80) + "---\n" + service("b", 81));
        Files.writeString(dir.resolve("sub/deeper/c.yml"), service("c", 82));
        Files.writeString(dir.resolve("notes.txt"), "not yaml");
        Files.writeString(dir.resolve(".hidden/d.yaml"), service("d", 83));
        Files.writeString(dir.resolve("sub/bad.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: []\n");
        Path given = tmp.relativize(dir); // "mesh", as a user would type it relative to the working directory
        SourceState s = DirectorySource.load(tmp.resolve(given));
        assertThat(keys(s)).containsExactly(svc("a"), svc("b"), svc("c"));
        assertThat(resource(s, "c").source().file()).isEqualTo(tmp.resolve("mesh/sub/deeper/c.yml").toString());
        assertThat(problems(s)).containsExactly(
                tmp.resolve("mesh/sub/bad.yaml") + ":5: Service default/x: spec.ports: required: at least one port");
    }

    @Test
    void relativeDirectoryKeepsItsSpellingInFileNames() throws Exception {
        Path rel = Path.of("target", "dirsource-" + System.nanoTime());
        Files.createDirectories(rel);
        try {
            Files.writeString(rel.resolve("x.yaml"), "apiVersion: v1\nkind: Nope\nmetadata: {name: n}\n");
            SourceState s = DirectorySource.load(rel);
            assertThat(problems(s)).hasSize(1);
            assertThat(problems(s).get(0)).startsWith(rel.resolve("x.yaml") + ":1: Nope default/n: unknown kind v1/Nope");
        } finally {
            Files.delete(rel.resolve("x.yaml"));
            Files.delete(rel);
        }
    }

    @Test
    void duplicatesAcrossFilesAreProblemsAndTheFirstWins() throws Exception {
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80));
        Files.writeString(tmp.resolve("b.yaml"), "# comment\n" + service("a", 90));
        SourceState s = DirectorySource.load(tmp);
        assertThat(s.resources()).hasSize(1);
        assertThat(resource(s, "a").source().file()).endsWith("a.yaml");
        assertThat(problems(s)).containsExactly(tmp.resolve("b.yaml") + ":2: Service default/a: duplicate: already defined at "
                + tmp.resolve("a.yaml") + ":1; this one is ignored");
    }

    @Test
    void anObjectThatDoesNotValidateIsReportedAsRejectedBesideItsLastGoodVersion() throws Exception {
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80) + "---\n" + service("b", 81));
        DirectorySource.Reader reader = new DirectorySource.Reader(tmp);
        SourceState good = reader.read();
        assertThat(good.rejected()).isEmpty();
        // b breaks: its last good version still applies, and the broken one is handed on as rejected
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80) + "---\n"
                + "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  ports: []\n");
        SourceState broken = reader.read();
        assertThat(keys(broken)).containsExactly(svc("a"), svc("b"));
        assertThat(broken.rejected()).extracting(r -> r.key().name()).containsExactly("b");
        assertThat(broken.rejected().get(0).source().line()).isEqualTo(8); // after a's 6 lines and the ---
    }

    @Test
    void missingDirectoryIsAProblem() {
        SourceState s = DirectorySource.load(tmp.resolve("nope"));
        assertThat(s.resources()).isEmpty();
        assertThat(problems(s)).containsExactly(tmp.resolve("nope") + ": no such directory");
    }

    @Test
    void watchesEditsAddsAndDeletesAndKeepsLastGood() throws Exception {
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80));
        Files.writeString(tmp.resolve("b.yaml"), service("b", 81));
        BlockingQueue<SourceState> states = new LinkedBlockingQueue<>();
        try (DirectorySource source = new DirectorySource(tmp, Duration.ofMillis(50))) {
            source.start(states::add);
            SourceState first = states.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(keys(first)).containsExactly(svc("a"), svc("b"));

            // edit: a's port changes
            Files.writeString(tmp.resolve("a.yaml"), service("a", 8080));
            SourceState s = await(states, st -> resource(st, "a").object().at("/spec/ports/0/port").asInt() == 8080);
            assertThat(s.problems()).isEmpty();

            // add a file in a new subdirectory
            Files.createDirectories(tmp.resolve("more"));
            Files.writeString(tmp.resolve("more/c.yaml"), service("c", 82));
            s = await(states, st -> keys(st).contains(svc("c")));
            assertThat(keys(s)).containsExactly(svc("a"), svc("b"), svc("c"));
            // and edit inside the new subdirectory (its watch was registered on the fly)
            Files.writeString(tmp.resolve("more/c.yaml"), service("c", 83));
            await(states, st -> resource(st, "c").object().at("/spec/ports/0/port").asInt() == 83);

            // syntax error in a.yaml: a keeps its last good version, the problem names file:line
            Files.writeString(tmp.resolve("a.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: a\n");
            s = await(states, st -> !st.problems().isEmpty());
            assertThat(resource(s, "a").object().at("/spec/ports/0/port").asInt()).isEqualTo(8080);
            assertThat(problems(s).get(0)).startsWith(tmp.resolve("a.yaml") + ":").contains("invalid YAML");

            // b becomes invalid: its last good version stays, other files still apply
            Files.writeString(tmp.resolve("b.yaml"), service("b", 0));
            Files.writeString(tmp.resolve("more/c.yaml"), service("c", 84));
            s = await(states, st -> resource(st, "c").object().at("/spec/ports/0/port").asInt() == 84
                    && st.problems().size() == 2);
            assertThat(resource(s, "b").object().at("/spec/ports/0/port").asInt()).isEqualTo(81);
            assertThat(problems(s)).contains(tmp.resolve("b.yaml")
                    + ":6: Service default/b: spec.ports[0].port: must be between 1 and 65535, not 0");

            // fix a; delete the subdirectory's file: c goes
            Files.writeString(tmp.resolve("a.yaml"), service("a", 9090));
            Files.delete(tmp.resolve("more/c.yaml"));
            s = await(states, st -> !keys(st).contains(svc("c"))
                    && resource(st, "a").object().at("/spec/ports/0/port").asInt() == 9090);
            assertThat(keys(s)).containsExactly(svc("a"), svc("b"));
            assertThat(s.problems()).hasSize(1);

            // a new object that is invalid from the start has no last good version: only its problem
            Files.writeString(tmp.resolve("d.yaml"), service("d", 70000));
            s = await(states, st -> st.problems().size() == 2);
            assertThat(keys(s)).containsExactly(svc("a"), svc("b"));
        }
    }

    @Test
    void aFailingListenerDoesNotStopTheWatching() throws Exception {
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80));
        BlockingQueue<SourceState> states = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (DirectorySource source = new DirectorySource(tmp, Duration.ofMillis(20))) {
            source.start(s -> {
                states.add(s);
                if (calls.incrementAndGet() == 2) throw new IllegalStateException("listener failed (expected in this test)");
            });
            Files.writeString(tmp.resolve("b.yaml"), service("b", 81));
            await(states, st -> keys(st).contains(svc("b")));
            Files.writeString(tmp.resolve("c.yaml"), service("c", 82));
            await(states, st -> keys(st).contains(svc("c")));
        }
    }

    @Test
    void closeStopsTheWatchThread() throws Exception {
        Files.writeString(tmp.resolve("a.yaml"), service("a", 80));
        BlockingQueue<SourceState> states = new LinkedBlockingQueue<>();
        DirectorySource source = new DirectorySource(tmp, Duration.ofMillis(20));
        source.start(states::add);
        assertThat(states.poll(5, TimeUnit.SECONDS)).isNotNull();
        source.close();
        Files.writeString(tmp.resolve("b.yaml"), service("b", 81));
        assertThat(states.poll(500, TimeUnit.MILLISECONDS)).isNull();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lattice-source " + tmp));
    }

    private static SourceState await(BlockingQueue<SourceState> states, Predicate<SourceState> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        SourceState last = null;
        while (System.nanoTime() < deadline) {
            SourceState s = states.poll(100, TimeUnit.MILLISECONDS);
            if (s == null) continue;
            last = s;
            try {
                if (p.test(s)) return s;
            } catch (RuntimeException e) {
                // not there yet (e.g. resource missing)
            }
        }
        throw new AssertionError("no matching state within 10 s; last: " + last);
    }

    @Test
    void generationStartsAtOneAndFollowsSpecChangesOnly() throws Exception {
        Path dir = tmp.resolve("gen");
        Files.createDirectories(dir);
        DirectorySource.Reader reader = new DirectorySource.Reader(dir);
        Files.writeString(dir.resolve("a.yaml"), service("a", 80));
        assertThat(resource(reader.read(), "a").generation()).isEqualTo(1);
        assertThat(resource(reader.read(), "a").generation()).as("nothing changed").isEqualTo(1);
        Files.writeString(dir.resolve("a.yaml"), service("a", 81));
        assertThat(resource(reader.read(), "a").generation()).as("spec changed").isEqualTo(2);
        Files.writeString(dir.resolve("a.yaml"), service("a", 81).replace("metadata: {name: a}", "metadata: {name: a, labels: {x: y}}"));
        assertThat(resource(reader.read(), "a").generation()).as("only metadata changed").isEqualTo(2);
        Files.writeString(dir.resolve("a.yaml"), service("a", 81).replace("metadata: {name: a}", "metadata: {name: a, generation: 7}"));
        assertThat(resource(reader.read(), "a").generation()).as("written by the user").isEqualTo(7);
        Files.delete(dir.resolve("a.yaml"));
        reader.read();
        Files.writeString(dir.resolve("a.yaml"), service("a", 82));
        assertThat(resource(reader.read(), "a").generation()).as("deleted and created again").isEqualTo(1);
    }
}
