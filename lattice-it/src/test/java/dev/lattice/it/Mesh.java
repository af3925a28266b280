package dev.lattice.it;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real `lattice up DIR` running as a child process, with the helpers the end-to-end tests need (public for the
 * conformance suite in {@code dev.lattice.it.conformance}).
 */
public final class Mesh implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public final Path dir;
    public final int adminPort;
    private final Process process;
    private final Path log;

    private Mesh(Path dir, int adminPort, Process process, Path log) {
        this.dir = dir;
        this.adminPort = adminPort;
        this.process = process;
        this.log = log;
    }

    /** Starts `lattice up dir` and waits until the admin API answers. */
    public static Mesh up(Path dir, String... extra) throws IOException {
        requireNonNull(dir, "dir");
        int admin = freePort();
        List<String> cmd = new ArrayList<>(lattice("up", dir.toString(), "--admin-port", String.valueOf(admin)));
        cmd.addAll(List.of(extra));
        Path log = Files.createTempFile("lattice-up-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Mesh mesh = new Mesh(dir, admin, p, log);
        try {
            mesh.await("admin API", Duration.ofSeconds(60), () -> mesh.admin("/healthz").statusCode() == 200);
        } catch (RuntimeException | Error e) {
            mesh.close();
            throw e;
        }
        return mesh;
    }

    /** The command line that runs the `lattice` CLI from this test's class path, as a real child JVM. */
    public static List<String> lattice(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.lattice.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a one-shot `lattice ...` command and returns its exit code and output. */
    public static Result run(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(lattice(args)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lattice " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    public record Result(int exit, String output) {}

    /**
     * Lattice's GatewayClass and a Gateway "gw" with one HTTP listener on port {@code GW} (replace it), followed by
     * a document separator: the start of a small test mesh.
     */
    static final String GATEWAY_GW = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: lattice}
            spec: {controllerName: lattice.dev/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              gatewayClassName: lattice
              listeners: [{name: http, protocol: HTTP, port: GW}]
            ---
            """;

    /** A free port that this JVM has not handed out before: see {@link dev.lattice.testkit.FreePorts}. */
    public static int freePort() {
        return dev.lattice.testkit.FreePorts.next();
    }

    /**
     * Copies a directory of YAML into a fresh temp directory, replacing each key of {@code replace} by its value
     * in every file (ports are the usual thing to replace).
     */
    public static Path copy(Path from, Map<String, String> replace) throws IOException {
        Path to = Files.createTempDirectory("lattice-mesh-");
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f);
                for (var e : replace.entrySet()) text = text.replace(e.getKey(), e.getValue());
                Files.writeString(to.resolve(f.getFileName().toString()), text);
            }
        }
        return to;
    }

    /**
     * examples/bookstore copied to a temp directory with its gateway on {@code gatewayPort} and its apps on free
     * ports; {@code more} are further replacements (e.g. to give a Workload a fixed sidecar port).
     */
    static Path bookstore(int gatewayPort, Map<String, String> more) throws IOException {
        Map<String, String> replace = new java.util.HashMap<>(more);
        replace.put("port: 8080", "port: " + gatewayPort);
        for (String p : List.of("19080", "19081", "19082", "19083")) replace.put(p, String.valueOf(freePort()));
        return copy(repo().resolve("examples/bookstore"), replace);
    }

    public static Path repo() {
        String p = System.getProperty("lattice.repo");
        Path dir = p == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(p);
        return Files.isDirectory(dir.resolve("examples")) ? dir : Path.of("..").toAbsolutePath().normalize();
    }

    public HttpResponse<String> admin(String path) {
        return get(URI.create("http://127.0.0.1:" + adminPort + path), Map.of());
    }

    public JsonNode adminJson(String path) throws IOException {
        return JSON.readTree(admin(path).body());
    }

    public static HttpResponse<String> get(URI uri, Map<String, String> headers) {
        return send("GET", uri, headers, null);
    }

    /** Any method, with headers and an optional body (null: none). */
    public static HttpResponse<String> send(String method, URI uri, Map<String, String> headers, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
            if (body != null) b.method(method, HttpRequest.BodyPublishers.ofString(body));
            else if (!method.equals("GET")) b.method(method, HttpRequest.BodyPublishers.noBody());
            headers.forEach(b::header);
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The entry of {@code /api/v1/proxies} whose id is {@code id} (e.g. {@code sidecar~default~books-v1}). */
    public JsonNode proxy(String id) throws IOException {
        for (JsonNode p : adminJson("/api/v1/proxies")) if (p.path("id").asText().equals(id)) return p;
        throw new AssertionError("no proxy " + id);
    }

    /** The first inbound port of a sidecar. */
    public int inboundPort(String id) throws IOException {
        return proxy(id).path("inboundPorts").elements().next().asInt();
    }

    /** A GET on a proxy's own admin port (e.g. {@code /config_dump}): the body. */
    public String proxyAdmin(String id, String path) throws IOException {
        return get(URI.create("http://127.0.0.1:" + proxy(id).path("adminPort").asInt() + path), Map.of()).body();
    }

    /** GET through a gateway listener with the given Host header. */
    public static HttpResponse<String> viaGateway(int port, String host, String path) {
        return get(URI.create("http://127.0.0.1:" + port + path), Map.of("Host", host));
    }

    public interface Check {
        boolean ok() throws Exception;
    }

    public void await(String what, Duration timeout, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("lattice up exited (" + process.exitValue() + ") while waiting for " + what + "\n" + output());
            }
            try {
                if (check.ok()) return;
                last = null;
            } catch (Exception | AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        AssertionError e = new AssertionError("timed out waiting for " + what + "\n--- lattice up output ---\n" + output());
        if (last != null) e.initCause(last);
        throw e;
    }

    /**
     * Waits (at most {@code timeout}) until every proxy in {@code /api/v1/proxies} has acknowledged its current
     * config, as a Kubernetes suite waits for its Deployments to be Ready before it starts: {@code lattice up} prints
     * ready once it has launched the proxies, and a dozen proxy JVMs starting at once on two cores take a while.
     * Returns whether they did; a test then asserts what it needs itself.
     */
    public boolean awaitProxiesSynced(Duration timeout) {
        try {
            await("every proxy synced", timeout, () -> {
                JsonNode all = adminJson("/api/v1/proxies");
                if (all.isEmpty()) return false;
                for (JsonNode p : all) if (!p.path("synced").asBoolean()) return false;
                return true;
            });
            return true;
        } catch (AssertionError e) {
            if (!process.isAlive()) throw e;
            return false;
        }
    }

    /** Waits until there are {@code proxies} proxies and each has its SPIFFE identity (a certificate from the mesh CA). */
    public void awaitIdentities(int proxies) {
        await(proxies + " proxies with a certificate", Duration.ofSeconds(60), () -> {
            JsonNode ps = adminJson("/api/v1/proxies");
            for (JsonNode p : ps) if (!p.path("identity").isTextual()) return false;
            return ps.size() == proxies;
        });
    }

    /**
     * {@code lattice up DIR}, then waits until it serves: every proxy synced, {@code proxies} proxies with their
     * certificates, and a 200 for {@code host}{@code path} through the gateway on {@code gatewayPort}. A mesh test's
     * start-up, in one place.
     */
    public static Mesh upAndServing(Path dir, int proxies, int gatewayPort, String host, String path) throws IOException {
        return upAndServing(dir, proxies, gatewayPort, host, path, 200);
    }

    /** As above, waiting for {@code status} instead of 200 (a route behind a policy that refuses a bare GET). */
    public static Mesh upAndServing(Path dir, int proxies, int gatewayPort, String host, String path, int status) throws IOException {
        Mesh m = up(dir);
        try {
            m.awaitProxiesSynced(Duration.ofSeconds(90));
            m.awaitIdentities(proxies);
            m.await(status + " from http://" + host + ":" + gatewayPort + path, Duration.ofSeconds(90),
                    () -> viaGateway(gatewayPort, host, path).statusCode() == status);
            return m;
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /** Waits until a GET through the gateway answers 200. */
    public void awaitRoute(int port, String host, String path) {
        await("200 from http://" + host + ":" + port + path, Duration.ofSeconds(90),
                () -> viaGateway(port, host, path).statusCode() == 200);
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Every process below `lattice up`, as seen now. */
    public List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    /** SIGTERM, as Ctrl-C or a service manager would send; then waits for lattice up to exit. */
    public int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) return Integer.MIN_VALUE;
        return process.exitValue();
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
