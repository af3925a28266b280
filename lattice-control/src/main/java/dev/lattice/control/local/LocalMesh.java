package dev.lattice.control.local;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lattice.control.ControlPlane;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.admin.AdminServer;
import dev.lattice.control.admin.ProcessStates;
import dev.lattice.control.source.ConfigSource;
import dev.lattice.control.translate.ProxyRequest;
import dev.lattice.control.translate.ProxyXds;
import dev.lattice.control.xds.XdsServer;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code lattice up DIR}: the control plane (xDS on a free loopback port, the admin API), one proxy process
 * per proxy the resources call for, and each Workload's {@code command}, all kept running, all following
 * reloads of DIR, all stopped (with their descendants) by {@link #close()}.
 *
 * <p>Children get {@code LATTICE_PARENT_PID} (this process) in their environment so that a Lattice child
 * (the CLI's {@code proxy} and {@code echo}) exits when this process is gone, even after a SIGKILL.
 */
public final class LocalMesh implements AutoCloseable {
    /** Environment variable naming the pid of the {@code lattice up} that started a child. */
    public static final String PARENT_PID_ENV = "LATTICE_PARENT_PID";
    /** Environment variable carrying a proxy's bootstrap token (it authenticates the proxy's CSR). */
    public static final String BOOTSTRAP_TOKEN_ENV = "LATTICE_BOOTSTRAP_TOKEN";

    /**
     * How to run it.
     *
     * @param dir           the watched directory (working directory of Workload commands; logs under .lattice/logs)
     * @param source        the source of resources (a {@code DirectorySource} on {@code dir})
     * @param adminPort     admin API port (15014 by default; 0 = a free one)
     * @param proxyThreads  {@code --threads} for each proxy, or 0 to let the proxy choose
     * @param proxyCommand  argv that runs the proxy; {@code --xds --node-id --admin-port [--threads]} are appended
     * @param latticeCommand argv that runs the {@code lattice} CLI (replaces argv[0] {@code lattice} of a command)
     * @param commandEnv    environment added to the proxy command and to {@code latticeCommand} (e.g. CLASSPATH,
     *                      which keeps command lines short)
     * @param out           where to print what listens where, problems, restarts
     */
    public record Options(Path dir, ConfigSource source, int adminPort, int proxyThreads, List<String> proxyCommand,
                          List<String> latticeCommand, Map<String, String> commandEnv, PrintStream out) {
        public Options {
            requireNonNull(dir, "dir");
            requireNonNull(source, "source");
            proxyCommand = List.copyOf(proxyCommand);
            latticeCommand = List.copyOf(latticeCommand);
            commandEnv = Map.copyOf(commandEnv);
            requireNonNull(out, "out");
            if (proxyCommand.isEmpty()) throw new IllegalArgumentException("proxyCommand is empty");
            if (latticeCommand.isEmpty()) throw new IllegalArgumentException("latticeCommand is empty");
        }
    }

    private static final Path SH = Path.of("/bin/sh");
    /**
     * Runs "$@" and waits for it; if the process named by LATTICE_PARENT_PID disappears (lattice up killed with
     * SIGKILL), terminates it. SIGTERM/SIGINT are passed on.
     */
    static final String PARENT_WATCH = """
            "$@" &
            child=$!
            trap 'kill -TERM "$child" 2>/dev/null' TERM INT
            while kill -0 "$LATTICE_PARENT_PID" 2>/dev/null; do
              if ! kill -0 "$child" 2>/dev/null; then wait "$child"; exit $?; fi
              sleep 1
            done
            kill -TERM "$child" 2>/dev/null
            wait "$child"
            """;

    private final Options options;
    private final Path logs;
    private final XdsServer xds;
    private final Supervisor supervisor;
    private final ControlPlane controlPlane;
    private final AdminServer admin;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Per node id: the grant of its token and the token. */
    private final Map<String, Map.Entry<dev.lattice.control.ca.BootstrapTokens.Grant, String>> tokens = new HashMap<>();
    private final Object printLock = new Object();
    private Set<String> printedProblems = Set.of();
    private String printedLayout = "";
    private volatile boolean closing;

    private LocalMesh(Options options, Path logs, XdsServer xds, Supervisor supervisor, ControlPlane controlPlane,
                      AdminServer admin) {
        this.options = options;
        this.logs = logs;
        this.xds = xds;
        this.supervisor = supervisor;
        this.controlPlane = controlPlane;
        this.admin = admin;
    }

    /** Starts everything; returns once the admin API listens and the first state has been applied. */
    public static LocalMesh start(Options options) {
        requireNonNull(options, "options");
        Path logs = logsDir(options.dir());
        dev.lattice.control.ca.IdentityAuthority identity;
        try {
            identity = new dev.lattice.control.ca.IdentityAuthority(dev.lattice.control.ca.MeshCa.loadOrCreate(
                    options.dir().resolve(".lattice").resolve("ca"), Clock.systemUTC().instant()), Clock.systemUTC());
        } catch (dev.lattice.control.ca.CaException e) {
            throw new IllegalStateException("lattice: the mesh CA: " + e.getMessage(), e);
        }
        XdsServer xds = XdsServer.start("127.0.0.1", 0, List.of(identity.service().definition()));
        Supervisor supervisor = new Supervisor(options.out());
        LocalMesh[] self = new LocalMesh[1];
        List<ControlPlane.State> early = new ArrayList<>();
        ControlPlane cp = new ControlPlane(options.source(), xds, new PortPlacer(), Clock.systemUTC(), s -> {
            LocalMesh m;
            synchronized (self) {
                m = self[0];
                if (m == null) {
                    early.add(s);
                    return;
                }
            }
            m.onState(s);
        }, identity);
        AdminServer admin;
        try {
            admin = AdminServer.start("127.0.0.1", options.adminPort(), cp, new ProcessStates() {
                @Override
                public String state(ProxyId id) {
                    return supervisor.state(proxyKey(id));
                }

                @Override
                public Long pid(ProxyId id) {
                    return supervisor.pid(proxyKey(id));
                }
            });
        } catch (RuntimeException e) {
            xds.close();
            throw e;
        }
        LocalMesh mesh = new LocalMesh(options, logs, xds, supervisor, cp, admin);
        options.out().println("lattice: admin API  http://127.0.0.1:" + admin.port()
                + "   (lattice status / lattice get KIND --admin 127.0.0.1:" + admin.port() + ")");
        options.out().println("lattice: xDS (ADS)  127.0.0.1:" + xds.port());
        options.out().println("lattice: logs       " + logs);
        try {
            cp.start();
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        List<ControlPlane.State> pending;
        synchronized (self) {
            self[0] = mesh;
            pending = List.copyOf(early);
        }
        if (!pending.isEmpty()) mesh.onState(pending.getLast());
        return mesh;
    }

    public int adminPort() {
        return admin.port();
    }

    public int xdsPort() {
        return xds.port();
    }

    public Path logs() {
        return logs;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    private void onState(ControlPlane.State s) {
        if (closing) return;
        printProblems(s.problems());
        Map<String, Supervisor.Launch> desired = new LinkedHashMap<>();
        for (ProxyRequest r : s.requests()) {
            ProxyPorts ports = s.snapshot().ports().get(r.id());
            if (ports == null) continue;
            List<String> argv = new ArrayList<>(options.proxyCommand());
            argv.addAll(List.of("--xds", "127.0.0.1:" + xds.port(), "--node-id", r.id().nodeId(),
                    "--admin-port", String.valueOf(ports.adminPort())));
            if (options.proxyThreads() > 0) argv.addAll(List.of("--threads", String.valueOf(options.proxyThreads())));
            String key = proxyKey(r.id());
            Map<String, String> env = new LinkedHashMap<>(options.commandEnv());
            env.put(BOOTSTRAP_TOKEN_ENV, token(r));
            desired.put(key, new Supervisor.Launch(key, r.id().role().wire() + " " + r.id().namespace() + "/"
                    + r.id().name(), String.join(" ", argv.subList(options.proxyCommand().size(), argv.size())), argv,
                    childEnv(env), options.dir(),
                    logs.resolve(logName(r.id().role().wire() + "-" + r.id().namespace() + "-" + r.id().name()))));
        }
        for (Resource w : s.snapshot().resources()) {
            if (!w.kind().equals("Workload")) continue;
            List<String> command = new ArrayList<>();
            w.object().path("spec").path("command").forEach(n -> command.add(n.asText()));
            if (command.isEmpty()) continue;
            String written = String.join(" ", command);
            Map<String, String> env = new LinkedHashMap<>(workloadEnv(w.object().path("spec").path("env")));
            if (command.getFirst().equals("lattice")) {
                command.removeFirst();
                command.addAll(0, options.latticeCommand());
                options.commandEnv().forEach(env::putIfAbsent);
            } else if (Files.isExecutable(SH)) {
                // any other program: a small shell stays beside it and stops it if this process dies hard
                command.addAll(0, List.of(SH.toString(), "-c", PARENT_WATCH, "lattice-workload"));
            }
            ProxyPorts sidecar = s.snapshot().ports().get(new ProxyId(ProxyId.Role.SIDECAR, w.namespace(), w.name()));
            if (sidecar != null && sidecar.outboundPort() > 0) {
                String proxy = "http://127.0.0.1:" + sidecar.outboundPort();
                env.putIfAbsent("HTTP_PROXY", proxy);
                env.putIfAbsent("http_proxy", proxy);
            }
            String key = "workload " + w.namespace() + "/" + w.name();
            desired.put(key, new Supervisor.Launch(key, key, written, command, childEnv(env), options.dir(),
                    logs.resolve(logName("workload-" + w.namespace() + "-" + w.name()))));
        }
        supervisor.reconcile(desired);
        printLayout(s, desired);
    }

    /**
     * A log file name for {@code base}: {@code base.log}, or, when that would pass the file systems' 255-byte limit
     * (object names go up to 253 characters), the first 200 characters of base, '-', its hash and {@code .log}.
     */
    static String logName(String base) {
        if (base.length() <= 240) return base + ".log";
        return base.substring(0, 200) + "-" + Integer.toHexString(base.hashCode()) + ".log";
    }

    /**
     * The bootstrap token of a proxy: minted once per node id and identity and kept while they stay (so that a
     * restarted proxy gets a certificate again and an unchanged Launch is not restarted); a changed identity gets a
     * new token and the old one is revoked.
     */
    private String token(ProxyRequest r) {
        dev.lattice.control.ca.BootstrapTokens.Grant grant = new dev.lattice.control.ca.BootstrapTokens.Grant(
                r.id().nodeId(), r.id().namespace(), r.serviceAccount());
        synchronized (tokens) {
            Map.Entry<dev.lattice.control.ca.BootstrapTokens.Grant, String> old = tokens.get(r.id().nodeId());
            if (old != null && old.getKey().equals(grant)) return old.getValue();
            var authority = controlPlane.identity();
            if (old != null) authority.tokens().revoke(old.getValue());
            String t = authority.tokens().mint(grant);
            tokens.put(r.id().nodeId(), Map.entry(grant, t));
            return t;
        }
    }

    private static Map<String, String> childEnv(Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>(extra);
        env.put(PARENT_PID_ENV, String.valueOf(ProcessHandle.current().pid()));
        return env;
    }

    /** A Workload's {@code env}: a list of {name, value} (as Kubernetes writes it) or a map. */
    static Map<String, String> workloadEnv(JsonNode env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (env.isArray()) {
            for (JsonNode e : env) {
                if (e.path("name").isTextual()) out.put(e.path("name").asText(), e.path("value").asText(""));
            }
        } else if (env.isObject()) {
            env.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    private void printProblems(List<Problem> problems) {
        synchronized (printLock) {
            Set<String> now = problems.stream().map(Problem::toString).collect(Collectors.toCollection(LinkedHashSet::new));
            for (String p : now) {
                if (!printedProblems.contains(p)) options.out().println("problem: " + p);
            }
            for (String p : printedProblems) {
                if (!now.contains(p)) options.out().println("resolved: " + p);
            }
            printedProblems = now;
        }
    }

    private void printLayout(ControlPlane.State s, Map<String, Supervisor.Launch> desired) {
        StringBuilder b = new StringBuilder();
        for (ProxyRequest r : s.requests()) {
            ProxyPorts ports = s.snapshot().ports().get(r.id());
            if (ports == null) continue;
            ProxyXds config = s.proxies().get(r.id());
            String label = r.id().role().wire() + " " + r.id().namespace() + "/" + r.id().name();
            b.append(String.format("%-36s", label));
            if (r.id().role() == ProxyId.Role.GATEWAY) {
                b.append(" listeners ").append(config == null ? "(no config yet)" : config.listenPorts().stream()
                        .map(p -> "0.0.0.0:" + p).collect(Collectors.joining(",")));
            } else {
                b.append(" outbound 127.0.0.1:").append(ports.outboundPort());
                ports.inbound().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.append("  inbound ")
                        .append(r.address()).append(':').append(e.getValue()).append("->").append(e.getKey()));
            }
            b.append("  admin 127.0.0.1:").append(ports.adminPort()).append('\n');
        }
        for (Supervisor.Launch l : desired.values()) {
            if (!l.key().startsWith("workload ")) continue;
            b.append(String.format("%-36s", l.label())).append(" runs ").append(l.display());
            String proxy = l.env().get("HTTP_PROXY");
            if (proxy != null) b.append("  HTTP_PROXY=").append(proxy);
            b.append('\n');
        }
        String text = b.toString();
        synchronized (printLock) {
            if (!text.equals(printedLayout)) {
                options.out().print(text);
                options.out().println("lattice: ready (" + s.requests().size() + " proxies, config version "
                        + s.snapshot().version() + "; logs in " + logs + ")");
                printedLayout = text;
            }
        }
    }

    static String proxyKey(ProxyId id) {
        return "proxy " + id.nodeId();
    }

    private static Path logsDir(Path dir) {
        Path logs = dir.resolve(".lattice").resolve("logs");
        try {
            Files.createDirectories(logs);
            if (Files.isWritable(logs)) return logs.toAbsolutePath();
        } catch (IOException e) {
            // fall back to a temp dir below
        }
        try {
            return Files.createTempDirectory("lattice-logs-").toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException("lattice up: cannot create a log directory under " + dir
                    + " or the temp dir: " + e.getMessage(), e);
        }
    }

    /** Stops the source, every child and its descendants, the admin API and the xDS server. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
        }
        try {
            try {
                controlPlane.close();
            } catch (RuntimeException e) {
                options.out().println("lattice: stopping the source failed: " + e);
            }
            supervisor.stopAll(Supervisor.GRACE);
            admin.close();
            xds.close();
        } finally {
            closed.countDown();
        }
    }
}
