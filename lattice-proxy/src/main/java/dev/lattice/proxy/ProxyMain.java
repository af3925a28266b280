package dev.lattice.proxy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The proxy process: {@code --xds HOST:PORT --node-id ID --admin-port N --threads N --bootstrap FILE
 * [--metadata k=v]...}. Prints {@code lattice-proxy <nodeId> admin=127.0.0.1:<port> pid=<pid>} once it is up,
 * and runs until SIGTERM / SIGINT.
 */
public final class ProxyMain {
    public static final String VERSION = "0.1.0-SNAPSHOT";

    /**
     * JVM flags for a proxy process (the launcher passes them before the main class). Chosen so that one proxy on one
     * event loop stays under 96 MiB RSS at full load: measured at 50 keep-alive connections, ~84 MiB with a bootstrap
     * config and ~93-96 MiB with the xDS client and its gRPC stack, with only this module's runtime jars on the class
     * path. Every jar on the class path costs heap (the JDK keeps each opened jar's central directory, and a signed
     * jar's per-entry manifest digests: lattice-cli's {@code lib/} therefore holds BouncyCastle's jars unsigned), so
     * launch proxies with a lean class path.
     * <ul>
     *   <li>a small serial-GC heap whose young generation is tiny (request garbage dies young) and which shrinks back
     *       after start-up ({@code Max/MinHeapFreeRatio}); compact object headers;</li>
     *   <li>C2 only ({@code -TieredCompilation}, one compiler thread): no C1 code or profiles, about 10 MiB less than
     *       tiered, at the price of ~150 ms more start-up;</li>
     *   <li>no CDS archive ({@code -Xshare:off}): mapping the default archive costs more resident memory than loading
     *       the few JDK classes the proxy uses;</li>
     *   <li>bounded direct memory, metaspace and code cache; 256 KiB stacks; glibc heap trimmed every second;</li>
     *   <li>Netty: no leak detection, no JFR events; gRPC's shaded Netty: unpooled buffers (the xDS stream is tiny).</li>
     * </ul>
     */
    public static final List<String> RECOMMENDED_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC",
            "-Xms6m",
            "-Xmn3m",
            "-Xmx48m",
            "-XX:MaxHeapFreeRatio=20",
            "-XX:MinHeapFreeRatio=5",
            "-XX:+UseCompactObjectHeaders",
            "-XX:+UseStringDeduplication",
            "-XX:-TieredCompilation",
            "-XX:CICompilerCount=1",
            "-Xshare:off",
            "-XX:MaxDirectMemorySize=64m",
            "-XX:MaxMetaspaceSize=64m",
            "-XX:ReservedCodeCacheSize=32m",
            "-Xss256k",
            "-XX:-UsePerfData",
            "-XX:TrimNativeHeapInterval=1000",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.leakDetection.level=disabled",
            "-Dio.netty.jfr.enabled=false");

    /** Where the build records the proxy's runtime dependencies (jar file names, {@code lib/a.jar:lib/b.jar...}). */
    static final String RUNTIME_CLASSPATH_RESOURCE = "/META-INF/lattice-proxy/runtime-classpath.txt";

    private ProxyMain() {}

    /**
     * A lean class path for a proxy process: this module's jar and exactly its runtime dependencies, found in
     * {@code libDir} (a directory of dependency jars named as Maven names them, e.g. {@code lattice-cli/target/lib}).
     * Empty when {@code libDir} lacks any of them; then use the full class path. Every jar on the class path costs
     * the proxy heap (the JDK keeps the central directory of each jar it opened), and the full CLI class path costs
     * about 10 MiB of RSS.
     */
    public static java.util.Optional<List<Path>> leanClasspath(Path libDir) {
        java.util.Objects.requireNonNull(libDir, "libDir");
        String recorded;
        try (var in = ProxyMain.class.getResourceAsStream(RUNTIME_CLASSPATH_RESOURCE)) {
            if (in == null) {
                return java.util.Optional.empty();
            }
            recorded = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        }
        java.util.List<Path> out = new java.util.ArrayList<>();
        Path self = libDir.resolve("lattice-proxy-" + VERSION + ".jar");
        if (!java.nio.file.Files.isRegularFile(self)) {
            return java.util.Optional.empty();
        }
        out.add(self);
        for (String entry : recorded.split(":")) {
            if (entry.isBlank()) {
                continue;
            }
            Path jar = libDir.resolve(entry.substring(entry.lastIndexOf('/') + 1));
            if (!java.nio.file.Files.isRegularFile(jar)) {
                return java.util.Optional.empty();
            }
            out.add(jar);
        }
        return java.util.Optional.of(List.copyOf(out));
    }

    /** Set by {@code lattice up} for its children: a child exits as soon as that process is gone. */
    public static final String PARENT_PID_ENV = "LATTICE_PARENT_PID";
    /** The bootstrap token that authenticates this proxy's CSRs (set by {@code lattice up}, one per proxy). */
    public static final String BOOTSTRAP_TOKEN_ENV = "LATTICE_BOOTSTRAP_TOKEN";

    /**
     * If this process was started by {@code lattice up} ({@value #PARENT_PID_ENV} in the environment), halts it as
     * soon as that parent is gone, so that a hard kill of {@code lattice up} leaves no proxy behind.
     */
    public static void exitWithParent() {
        String env = System.getenv(PARENT_PID_ENV);
        if (env == null || env.isBlank()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(env.trim());
        } catch (NumberFormatException e) {
            return;
        }
        if (pid == ProcessHandle.current().pid()) {
            return;
        }
        Runnable halt = () -> {
            System.err.println("lattice: parent process " + pid + " is gone; exiting");
            Runtime.getRuntime().halt(143);
        };
        ProcessHandle.of(pid).ifPresentOrElse(parent -> parent.onExit().thenRun(halt), halt);
    }

    static final String USAGE = "usage: lattice-proxy [--xds HOST:PORT] [--node-id ID] [--admin-port N] [--threads N]"
            + " [--bootstrap FILE] [--metadata KEY=VALUE]...";

    public static void main(String[] args) {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            System.exit(0);
            return;
        }
        exitWithParent();
        ProxyOptions o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(o));
    }

    /** Parses the command line by hand (the CLI module wraps {@link #run} with picocli). */
    public static ProxyOptions parse(String[] args) {
        String xds = null;
        String nodeId = null;
        int adminPort = 0;
        int threads = 0;
        Path bootstrap = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value;
            String name = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("proxy: " + a + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--xds" -> xds = value;
                case "--node-id" -> nodeId = value;
                case "--admin-port" -> adminPort = integer(name, value);
                case "--threads" -> threads = integer(name, value);
                case "--bootstrap" -> bootstrap = Path.of(value);
                case "--metadata" -> {
                    int e = value.indexOf('=');
                    if (e <= 0) {
                        throw new IllegalArgumentException("proxy: --metadata must be KEY=VALUE, got " + value);
                    }
                    metadata.put(value.substring(0, e), value.substring(e + 1));
                }
                default -> throw new IllegalArgumentException("proxy: unknown option " + a);
            }
        }
        return new ProxyOptions(xds, nodeId, adminPort, threads, bootstrap, metadata, System.getenv(BOOTSTRAP_TOKEN_ENV));
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("proxy: " + name + " must be a number, got " + value);
        }
    }

    /** Runs a proxy until the JVM is asked to stop; returns the exit code (0, or 1 when it cannot start). */
    public static int run(ProxyOptions o) {
        ProxyServer server;
        try {
            server = ProxyServer.startProcess(o);
        } catch (Exception e) {
            System.err.println("lattice-proxy " + o.nodeId() + ": cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "lattice-proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("lattice-proxy " + o.nodeId() + " admin=127.0.0.1:" + server.adminPort()
                + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
            server.close();
        }
        return 0;
    }
}
