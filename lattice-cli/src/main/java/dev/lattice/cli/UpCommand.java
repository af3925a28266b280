package dev.lattice.cli;

import dev.lattice.control.admin.AdminServer;
import dev.lattice.control.local.LocalMesh;
import dev.lattice.control.source.DirectorySource;
import dev.lattice.proxy.ProxyMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice up DIR}: the whole mesh on this machine, following edits of DIR, until Ctrl-C or SIGTERM. */
@Command(name = "up", description = "Run the mesh described by the YAML under DIR: the control plane, one proxy "
        + "per Gateway and per sidecar Workload, and each Workload's command. Ctrl-C stops everything.")
public final class UpCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "directory of *.yaml / *.yml files (watched)")
    Path dir;

    @Option(names = "--proxy-threads", defaultValue = "0",
            description = "event loops per proxy (--threads); default: the proxy's own default (the number of cores)")
    int proxyThreads;

    @Option(names = "--admin-port", defaultValue = "" + AdminServer.DEFAULT_PORT,
            description = "admin API port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int adminPort;

    @Override
    public Integer call() throws InterruptedException {
        if (!Files.isDirectory(dir)) {
            System.err.println("lattice up: " + dir + ": not a directory");
            return 2;
        }
        Path abs = dir.toAbsolutePath().normalize();
        LocalMesh mesh;
        try {
            mesh = LocalMesh.start(new LocalMesh.Options(abs, new DirectorySource(dir.normalize()), adminPort, proxyThreads,
                    proxyCommand(), latticeCommand(),
                    // children run this very build: the launcher must not rebuild under a running mesh;
                    // one malloc arena instead of one per core and thread keep a proxy's resident memory down
                    Map.of("CLASSPATH", System.getProperty("java.class.path"), "LATTICE_NO_BUILD", "1",
                            "MALLOC_ARENA_MAX", "1"),
                    System.out));
        } catch (RuntimeException e) {
            System.err.println("lattice up: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("lattice: stopping");
            mesh.close();
            System.out.println("lattice: stopped");
            System.out.flush();
        }, "lattice-up-shutdown"));
        mesh.awaitClosed();
        return 0;
    }

    /** This JVM's java binary (the proxies and the fallback CLI run on the same one). */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Flags that keep libraries' JDK warnings (Unsafe, native access) out of the children's logs. */
    static final List<String> QUIET_JVM_FLAGS =
            List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    /** Environment variable with JVM flags for every proxy, after (and so overriding) the recommended ones. */
    static final String PROXY_JAVA_OPTS = "LATTICE_PROXY_JAVA_OPTS";

    /** The flags of {@link #PROXY_JAVA_OPTS}: split on whitespace; none when unset or blank. */
    static List<String> extraJvmFlags(String value) {
        if (value == null || value.isBlank()) return List.of();
        return List.of(value.trim().split("\\s+"));
    }

    /**
     * The proxy: a child JVM with the proxy's recommended flags running `lattice proxy` (the class path comes
     * in the CLASSPATH environment variable, see {@link LocalMesh.Options#commandEnv()}).
     */
    static List<String> proxyCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(ProxyCommand.recommendedJvmFlags());
        QUIET_JVM_FLAGS.stream().filter(f -> !cmd.contains(f)).forEach(cmd::add);
        cmd.addAll(extraJvmFlags(System.getenv(PROXY_JAVA_OPTS)));
        var lean = leanProxyClasspath();
        if (lean.isPresent()) {
            // only the proxy's own jars: every jar a JVM opens costs resident memory (about 10 MiB for the CLI's)
            // in a JVM argument file, so that the proxy's command line stays short: `ps` shows its --node-id, and
            // ProcessHandle.Info (which reads only a page of /proc/PID/cmdline) sees all of it
            var argFile = classpathArgFile(lean.get());
            if (argFile.isPresent()) {
                cmd.add("@" + argFile.get());
            } else {
                cmd.addAll(List.of("-cp", lean.get()));
            }
            cmd.add(ProxyMain.class.getName());
        } else {
            cmd.add(Main.class.getName());
            cmd.add("proxy");
        }
        return cmd;
    }

    /**
     * A JVM argument file ({@code java @file}) that sets the class path, in the temp dir under a name made from its
     * content: one per build, shared by every {@code lattice up}, written atomically. Empty if it cannot be written.
     */
    static java.util.Optional<Path> classpathArgFile(String classpath) {
        String quoted = "\"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        String content = "-cp " + quoted + "\n";
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Path file = tmp.resolve("lattice-proxy-" + java.util.HexFormat.of().formatHex(digest, 0, 8) + ".args");
            if (Files.isRegularFile(file) && Files.readString(file).equals(content)) return java.util.Optional.of(file);
            Path part = Files.createTempFile(tmp, "lattice-proxy-", ".part");
            Files.writeString(part, content);
            Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return java.util.Optional.of(file);
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** The proxy's lean class path, when this CLI runs from a lib directory that holds it (the launcher's). */
    static java.util.Optional<String> leanProxyClasspath() {
        try {
            var proxyJar = Path.of(ProxyMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(proxyJar)) return java.util.Optional.empty();
            return ProxyMain.leanClasspath(proxyJar.getParent())
                    .map(jars -> String.join(java.io.File.pathSeparator, jars.stream().map(Path::toString).toList()));
        } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
            return java.util.Optional.empty();
        }
    }

    /** How a Workload command's `lattice` runs: the launcher script when known, else this CLI in a child JVM. */
    static List<String> latticeCommand() {
        String launcher = System.getProperty("lattice.launcher");
        if (launcher == null || launcher.isBlank()) launcher = System.getenv("LATTICE_LAUNCHER");
        if (launcher != null && !launcher.isBlank() && Files.isExecutable(Path.of(launcher))) {
            return List.of(launcher);
        }
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-Xss512k"));
        cmd.addAll(QUIET_JVM_FLAGS);
        cmd.add(Main.class.getName());
        return cmd;
    }
}
