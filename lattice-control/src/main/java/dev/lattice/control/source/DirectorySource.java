package dev.lattice.control.source;

import static java.util.Objects.requireNonNull;

import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.ResourceLoader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Every {@code *.yaml} / {@code *.yml} file under a directory (recursively; hidden files and directories are
 * skipped), watched for changes. File names in resources and problems are the directory as the caller gave it
 * joined with the file's relative path, e.g. {@code examples/bookstore/routes.yaml}.
 *
 * <p>Last good config: a file with a YAML syntax error keeps its previous resources; an object that fails
 * validation keeps its previous good version (when there was one); a deleted file drops its resources; every
 * other file applies as it is. The same kind/namespace/name in two places is a problem, and the first (by
 * path) wins.
 *
 * <p>Watching uses a {@link WatchService} on every subdirectory, on one virtual thread; changes are debounced
 * (150 ms of quiet) and then the whole directory is read again. The listener is called on {@link #start} with
 * the first state, then from the watch thread each time the state changed.
 */
public final class DirectorySource implements ConfigSource {
    private static final Logger LOG = Logger.getLogger(DirectorySource.class.getName());
    private static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(150);

    private final Path dir;
    private final Duration debounce;
    private final Reader reader;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private WatchService watcher;
    private Thread thread;
    private volatile boolean closed;

    public DirectorySource(Path dir) {
        this(dir, DEFAULT_DEBOUNCE);
    }

    public DirectorySource(Path dir, Duration debounce) {
        this.dir = requireNonNull(dir, "dir");
        this.debounce = requireNonNull(debounce, "debounce");
        this.reader = new Reader(dir);
    }

    /** Reads the directory once (for {@code lattice validate}): every valid resource and every problem. */
    public static SourceState load(Path dir) {
        return new Reader(requireNonNull(dir, "dir")).read();
    }

    public Path directory() {
        return dir;
    }

    @Override
    public synchronized void start(Consumer<SourceState> listener) {
        requireNonNull(listener, "listener");
        if (thread != null || closed) throw new IllegalStateException("DirectorySource " + dir + " already started");
        try {
            watcher = FileSystems.getDefault().newWatchService();
            registerAll();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot watch " + dir + ": " + e);
        }
        SourceState first = reader.read();
        listener.accept(first);
        thread = Thread.ofVirtual().name("lattice-source " + dir).start(() -> watch(listener, first));
    }

    private void watch(Consumer<SourceState> listener, SourceState first) {
        SourceState last = first;
        try {
            while (!closed) {
                WatchKey key = watcher.take();
                drain(key);
                long quietNanos = debounce.toNanos();
                while ((key = watcher.poll(quietNanos, TimeUnit.NANOSECONDS)) != null) drain(key);
                if (closed) break;
                try {
                    registerAll();
                    SourceState next = reader.read();
                    if (!next.equals(last)) {
                        last = next;
                        listener.accept(next);
                    }
                } catch (RuntimeException e) {
                    // a failing listener (or a surprise while reading) must not stop the watching
                    LOG.log(Level.SEVERE, "applying a change under " + dir + " failed; still watching", e);
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        }
    }

    private void drain(WatchKey key) {
        key.pollEvents();
        if (!key.reset()) keys.values().remove(key);
    }

    private void registerAll() {
        if (watcher == null || !Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path d : (Iterable<Path>) s.filter(Files::isDirectory).filter(p -> p.equals(dir) || !hidden(p))::iterator) {
                Path abs = d.toAbsolutePath().normalize();
                if (keys.containsKey(abs) && keys.get(abs).isValid()) continue;
                try {
                    keys.put(abs, d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.log(Level.FINE, "walking " + dir + ": " + e);
        }
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (IOException e) {
                    LOG.log(Level.FINE, "closing watcher of " + dir, e);
                }
            }
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Reads the directory, remembering what applied last time for the last-good rules. Confined to one thread at a time. */
    static final class Reader {
        private final Path dir;
        private Map<String, List<Resource>> appliedByFile = Map.of();
        private Map<ResourceKey, Resource> appliedByKey = Map.of();
        /** Generations as the API server keeps them: 1 when an object first appears, +1 each time its spec changes. */
        private final Map<ResourceKey, Resource> generations = new HashMap<>();

        Reader(Path dir) {
            this.dir = dir;
        }

        SourceState read() {
            List<Problem> problems = new ArrayList<>();
            Map<String, List<Resource>> byFile = new LinkedHashMap<>();
            List<Resource> rejected = new ArrayList<>();
            if (!Files.isDirectory(dir)) {
                problems.add(new Problem(dir.toString(), 0, "", "", "", "", "no such directory"));
            } else {
                for (Path file : files(problems)) {
                    String name = dir.resolve(dir.relativize(file)).toString();
                    String text;
                    try {
                        text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
                    } catch (NoSuchFileException e) {
                        continue; // deleted while we read: its resources go
                    } catch (CharacterCodingException e) {
                        problems.add(new Problem(name, 0, "", "", "", "", "not UTF-8 text; keeping its last good resources"));
                        byFile.put(name, appliedByFile.getOrDefault(name, List.of()));
                        continue;
                    } catch (IOException e) {
                        problems.add(new Problem(name, 0, "", "", "", "", "cannot read: " + e.getMessage()
                                + "; keeping its last good resources"));
                        byFile.put(name, appliedByFile.getOrDefault(name, List.of()));
                        continue;
                    }
                    ResourceLoader.LoadedFile loaded = ResourceLoader.load(name, text);
                    problems.addAll(loaded.problems());
                    if (loaded.syntaxError()) {
                        byFile.put(name, appliedByFile.getOrDefault(name, List.of()));
                        continue;
                    }
                    List<Resource> resources = new ArrayList<>();
                    for (ResourceLoader.LoadedObject o : loaded.objects()) {
                        problems.addAll(o.problems());
                        if (o.valid()) {
                            resources.add(o.resource());
                        } else {
                            rejected.add(o.resource());
                            Resource previous = appliedByKey.get(o.resource().key());
                            if (previous != null) resources.add(previous);
                        }
                    }
                    byFile.put(name, resources);
                }
            }
            Map<ResourceKey, Resource> byKey = new LinkedHashMap<>();
            for (List<Resource> rs : byFile.values()) {
                for (Resource r : rs) {
                    Resource first = byKey.putIfAbsent(r.key(), r);
                    if (first != null && first != r) {
                        problems.add(Problem.at(r.source(), r.key(), "", "duplicate: already defined at "
                                + first.source().file() + ":" + first.source().line() + "; this one is ignored"));
                    }
                }
            }
            byKey.replaceAll((key, r) -> generation(r));
            generations.keySet().retainAll(byKey.keySet());
            appliedByFile = byFile;
            appliedByKey = byKey;
            return new SourceState(List.copyOf(byKey.values()), problems, rejected);
        }

        /** The resource with its generation: the written one if any, else bumped when its spec changed since last read. */
        private Resource generation(Resource r) {
            if (r.generationWritten()) return r;
            Resource before = generations.get(r.key());
            long generation = before == null ? 1
                    : before.desired().equals(r.desired()) ? before.generation() : before.generation() + 1;
            Resource stamped = r.withGeneration(generation);
            generations.put(r.key(), stamped);
            return stamped;
        }

        private List<Path> files(List<Problem> problems) {
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(p -> {
                    for (Path part : dir.relativize(p)) if (part.toString().startsWith(".")) return false;
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
                }).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                problems.add(new Problem(dir.toString(), 0, "", "", "", "", "cannot list: " + e.getMessage()));
                return List.of();
            }
        }
    }
}
