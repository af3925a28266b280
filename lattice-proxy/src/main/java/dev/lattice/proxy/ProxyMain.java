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
     * JVM flags for a proxy process (the launcher passes them): a small serial-GC heap and bounded direct memory,
     * metaspace and code cache keep RSS under 96 MiB at full load on one event loop; small thread stacks since the
     * proxy has few threads and no deep recursion.
     */
    public static final List<String> RECOMMENDED_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC",
            "-Xms24m",
            "-Xmx64m",
            "-XX:MaxDirectMemorySize=32m",
            "-XX:MaxMetaspaceSize=64m",
            "-XX:ReservedCodeCacheSize=32m",
            "-XX:CICompilerCount=2",
            "-Xss512k",
            "-XX:+UseCompressedOops",
            "-XX:TieredStopAtLevel=4",
            "-Dio.netty.allocator.numDirectArenas=1",
            "-Dio.netty.allocator.numHeapArenas=1",
            "-Dio.netty.leakDetection.level=disabled");

    private ProxyMain() {}

    public static void main(String[] args) {
        ProxyOptions o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: lattice-proxy [--xds HOST:PORT] [--node-id ID] [--admin-port N] [--threads N]"
                    + " [--bootstrap FILE] [--metadata KEY=VALUE]...");
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
        return new ProxyOptions(xds, nodeId, adminPort, threads, bootstrap, metadata);
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
            server = ProxyServer.start(o);
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
