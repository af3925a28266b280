package dev.lattice.control.local;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs child processes and keeps them running: each on its own virtual thread that starts it, waits for it,
 * and restarts it with backoff (0.5 s doubling to 30 s, reset after 10 s of uptime) when it dies. Output
 * goes to a log file per child. {@link #reconcile} starts what is new, stops what is gone, restarts what
 * changed and leaves the rest running. Stopping a child sends SIGTERM to it and its descendants, then
 * SIGKILL after a grace period.
 */
final class Supervisor {
    static final Duration GRACE = Duration.ofSeconds(5);
    private static final long FIRST_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;

    /** How to run one child: argv (and a short form for messages), extra environment, working directory, log file. */
    record Launch(String key, String label, String display, List<String> argv, Map<String, String> env, Path workDir,
                  Path log) {
        Launch {
            requireNonNull(key, "key");
            requireNonNull(label, "label");
            requireNonNull(display, "display");
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
            requireNonNull(workDir, "workDir");
            requireNonNull(log, "log");
            if (argv.isEmpty()) throw new IllegalArgumentException(label + ": empty command");
        }
    }

    private final PrintStream out;
    private final Map<String, Managed> running = new HashMap<>();
    private boolean closed;

    Supervisor(PrintStream out) {
        this.out = requireNonNull(out, "out");
    }

    /** Makes the running set equal to {@code desired} (by key; a changed launch is restarted). */
    synchronized void reconcile(Map<String, Launch> desired) {
        if (closed) return;
        List<Managed> stop = new ArrayList<>();
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Launch want = desired.get(e.getKey());
            if (want == null || !want.equals(e.getValue().launch)) {
                stop.add(e.getValue());
                it.remove();
            }
        }
        stop.parallelStream().forEach(m -> m.stop(GRACE));
        for (Launch l : desired.values()) {
            if (!running.containsKey(l.key())) {
                Managed m = new Managed(l);
                running.put(l.key(), m);
                m.start();
            }
        }
    }

    synchronized String state(String key) {
        Managed m = running.get(key);
        return m == null ? "not started" : m.state;
    }

    synchronized Long pid(String key) {
        Managed m = running.get(key);
        Process p = m == null ? null : m.process;
        return p == null || !p.isAlive() ? null : p.pid();
    }

    /** Stops every child (and their descendants) and refuses new ones. */
    void stopAll(Duration grace) {
        List<Managed> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(running.values());
            running.clear();
        }
        all.forEach(Managed::signalStop);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Managed m : all) m.awaitOrKill(deadline);
    }

    private final class Managed {
        final Launch launch;
        volatile Process process;
        volatile String state = "starting";
        volatile boolean stopping;
        volatile List<ProcessHandle> lastDescendants = List.of();
        Thread thread;

        Managed(Launch launch) {
            this.launch = launch;
        }

        void start() {
            thread = Thread.ofVirtual().name("supervise " + launch.label()).start(this::run);
        }

        private void run() {
            long backoff = FIRST_BACKOFF_MS;
            while (!stopping) {
                long started = System.nanoTime();
                Process p;
                try {
                    Files.createDirectories(launch.log().getParent());
                    Files.writeString(launch.log(), "=== " + Instant.now() + " lattice: starting " + launch.label()
                            + ": " + String.join(" ", launch.argv()) + (launch.env().isEmpty() ? "" : " (env: "
                            + String.join(" ", launch.env().keySet()) + ")") + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    ProcessBuilder pb = new ProcessBuilder(launch.argv())
                            .directory(launch.workDir().toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(launch.log().toFile()))
                            .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
                    pb.environment().putAll(launch.env());
                    synchronized (this) {
                        if (stopping) break;
                        p = pb.start();
                        process = p;
                    }
                    state = "running";
                } catch (IOException | RuntimeException e) {
                    state = "failed to start (" + e.getMessage() + ")";
                    out.println("lattice: " + launch.label() + ": cannot start " + launch.display()
                            + ": " + e.getMessage() + "; retrying in " + backoff + " ms");
                    if (!sleep(backoff)) break;
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                    continue;
                }
                int code;
                try {
                    code = waitWatchingDescendants(p);
                } catch (InterruptedException e) {
                    if (stopping) break;
                    continue;
                }
                if (stopping) break;
                // Ctrl-C reaches the whole process group: give our own shutdown a moment to say so
                if (!sleep(150)) break;
                if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(10)) backoff = FIRST_BACKOFF_MS;
                state = "restarting (exited " + code + ")";
                out.println("lattice: " + launch.label() + " exited with status " + code + "; restarting in "
                        + backoff + " ms (log: " + launch.log() + ")");
                killAll(lastDescendants);
                if (!sleep(backoff)) break;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
            state = "stopped";
        }

        /** Waits for the process, remembering its descendants so that they can be killed if it dies first. */
        private int waitWatchingDescendants(Process p) throws InterruptedException {
            while (!p.waitFor(1, TimeUnit.SECONDS)) {
                lastDescendants = p.descendants().toList();
            }
            return p.exitValue();
        }

        private boolean sleep(long ms) {
            try {
                Thread.sleep(ms);
                return !stopping;
            } catch (InterruptedException e) {
                return false;
            }
        }

        void signalStop() {
            Process p;
            synchronized (this) {
                stopping = true;
                p = process;
            }
            state = "stopping";
            if (thread != null) thread.interrupt();
            if (p != null) {
                List<ProcessHandle> kids = new ArrayList<>(p.descendants().toList());
                kids.addAll(lastDescendants);
                lastDescendants = kids;
                kids.forEach(ProcessHandle::destroy);
                p.destroy();
            }
        }

        void awaitOrKill(long deadlineNanos) {
            Process p = process;
            if (p != null) {
                try {
                    long left = deadlineNanos - System.nanoTime();
                    if (left > 0) p.waitFor(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                List<ProcessHandle> kids = new ArrayList<>(lastDescendants);
                if (p.isAlive()) kids.addAll(p.descendants().toList());
                p.destroyForcibly();
                killAll(kids);
                try {
                    p.waitFor(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            state = "stopped";
        }

        void stop(Duration grace) {
            signalStop();
            awaitOrKill(System.nanoTime() + grace.toNanos());
        }
    }

    /** SIGKILLs each handle still alive and waits (up to 2 s in all) until they are gone. */
    private static void killAll(List<ProcessHandle> handles) {
        for (ProcessHandle h : handles) {
            if (h.isAlive()) h.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessHandle h : handles) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0 && h.isAlive()) h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // gone or stuck: nothing more we can do than SIGKILL
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
