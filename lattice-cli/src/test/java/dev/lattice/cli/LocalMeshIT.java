package dev.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `lattice up` as a user runs it: the ./lattice launcher (LATTICE_NO_BUILD: the build under test is used as it
 * is) as a real child process, a gateway and one Workload whose command is `lattice echo`; a request through
 * the gateway, `lattice status`, `lattice get`, `lattice validate`, and SIGTERM leaving nothing behind.
 */
class LocalMeshIT {
    static {
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host"); // to send Host: web.example
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static Path launcher() {
        Path p = Path.of(System.getProperty("lattice.launcher.path", "../lattice")).toAbsolutePath().normalize();
        assertThat(p).as("the ./lattice launcher").isExecutable();
        return p;
    }

    static int freePort() {
        return dev.lattice.testkit.FreePorts.next();
    }

    static ProcessBuilder lattice(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("LATTICE_NO_BUILD", "1");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    record Result(int exit, String output) {}

    static Result run(Path cwd, String... args) throws Exception {
        Process p = lattice(cwd, args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("lattice " + String.join(" ", args) + " finished").isTrue();
        return new Result(p.exitValue(), out);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Process up, Path log, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            if (!up.isAlive()) {
                throw new AssertionError("lattice up exited while waiting for " + what + ":\n" + Files.readString(log));
            }
            try {
                if (check.ok()) return;
            } catch (Exception | AssertionError e) {
                last = e;
            }
            Thread.sleep(200);
        }
        AssertionError e = new AssertionError("timed out waiting for " + what + "\n--- lattice up ---\n" + Files.readString(log));
        if (last != null) e.initCause(last);
        throw e;
    }

    /**
     * A process's whole command line from /proc (ProcessHandle.Info reads only its first page, and a JVM's class
     * path can fill that).
     */
    static String cmdline(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return p.info().commandLine().orElse("");
        }
    }

    static HttpResponse<String> get(int port, String host, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (host != null) b.header("Host", host);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String mesh(int gatewayPort, int appPort) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: lattice}
                spec: {controllerName: lattice.dev/gateway-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: default}
                spec:
                  gatewayClassName: lattice
                  listeners: [{name: http, port: %d, protocol: HTTP}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: web, namespace: default}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [web.example]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /}}]
                    backendRefs: [{name: echo, port: 80}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: echo, namespace: default}
                spec:
                  selector: {app: echo}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: echo-1, namespace: default, labels: {app: echo}}
                spec:
                  ports: [{name: http, port: %d}]
                  command: [lattice, echo, --port, "%d", --name, echo-1]
                """.formatted(gatewayPort, appPort, appPort);
    }

    @Test
    void upServesThroughTheGatewayReportsStatusAndStopsEverythingOnSigterm(@TempDir Path dir) throws Exception {
        int gw = freePort();
        int app = freePort();
        int admin = freePort();
        Files.writeString(dir.resolve("mesh.yaml"), mesh(gw, app));
        Path log = Files.createTempFile("lattice-up-", ".log");
        Process up = lattice(Path.of(System.getProperty("java.io.tmpdir")), "up", dir.toString(), "--admin-port",
                String.valueOf(admin), "--proxy-threads", "1").redirectOutput(log.toFile()).start();
        List<ProcessHandle> seen = new ArrayList<>();
        try {
            await("the admin API", up, log, Duration.ofSeconds(60), () -> get(admin, null, "/healthz").statusCode() == 200);
            await("the echo through the gateway", up, log, Duration.ofSeconds(90), () -> {
                HttpResponse<String> r = get(gw, "web.example", "/hello?x=1");
                return r.statusCode() == 200 && JSON.readTree(r.body()).path("name").asText().equals("echo-1");
            });
            JsonNode echoed = JSON.readTree(get(gw, "web.example", "/hello?x=1").body());
            assertThat(echoed.path("path").asText()).isEqualTo("/hello?x=1");
            assertThat(echoed.path("host").asText()).isEqualTo("web.example");

            // every proxy connected and ACKed both types
            String admin0 = "127.0.0.1:" + admin;
            await("both proxies ACKed", up, log, Duration.ofSeconds(30), () -> {
                JsonNode ps = JSON.readTree(run(dir, "status", "-o", "json", "--admin", admin0).output());
                if (ps.size() != 2) return false;
                for (JsonNode p : ps) {
                    if (!p.path("connected").asBoolean() || !p.path("ackedVersion").has("CDS")
                            || !p.path("ackedVersion").has("LDS") || !p.path("nack").isNull()
                            || !p.path("synced").asBoolean()) return false;
                }
                return true;
            });
            JsonNode proxies = JSON.readTree(run(dir, "status", "-o", "json", "--admin", admin0).output());
            assertThat(proxies.findValuesAsText("id")).containsExactlyInAnyOrder("gateway~default~gw", "sidecar~default~echo-1");
            for (JsonNode p : proxies) {
                assertThat(p.path("pid").asLong()).isPositive();
                assertThat(p.path("process").asText()).isEqualTo("running");
                assertThat(p.path("adminPort").asInt()).isPositive();
            }
            assertThat(proxies.findValues("listenPorts").toString()).contains(String.valueOf(gw));
            Result table = run(dir, "status", "--admin", admin0);
            assertThat(table.exit()).isZero();
            assertThat(table.output()).contains("PROXY", "SYNCED", "gateway~default~gw", "sidecar~default~echo-1", "CDS=", "LDS=");

            Result yaml = run(dir, "get", "httproute", "-o", "yaml", "--admin", admin0);
            assertThat(yaml.exit()).as(yaml.output()).isZero();
            assertThat(yaml.output()).contains("kind: HTTPRoute", "name: web", "type: Accepted", "lastTransitionTime:");
            Result gtw = run(dir, "get", "gtw", "--admin", admin0);
            assertThat(gtw.output()).contains("NAME", "CLASS", "gw", "lattice");
            Result missing = run(dir, "get", "svc", "nope", "--admin", admin0);
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.output()).contains("services \"nope\" not found");

            assertThat(Files.readString(log)).contains("admin API", "xDS (ADS)", "listeners 0.0.0.0:" + gw,
                    "workload default/echo-1", "runs lattice echo");
            assertThat(dir.resolve(".lattice/logs/workload-default-echo-1.log")).exists();
            assertThat(dir.resolve(".lattice/logs/gateway-default-gw.log")).exists();
            seen.addAll(up.descendants().toList());
            assertThat(seen.size()).as("two proxies and the echo").isGreaterThanOrEqualTo(3);
        } finally {
            up.destroy(); // SIGTERM
            boolean exited = up.waitFor(30, TimeUnit.SECONDS);
            List<ProcessHandle> left = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            do {
                left = seen.stream().filter(ProcessHandle::isAlive).toList();
                if (left.isEmpty()) break;
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
            left.forEach(ProcessHandle::destroyForcibly);
            if (!exited) up.destroyForcibly();
            assertThat(exited).as("lattice up exits on SIGTERM").isTrue();
            assertThat(left).as("children left after SIGTERM").isEmpty();
        }
        assertThat(Files.readString(log)).contains("lattice: stopped");
        Files.delete(log);
    }

    @Test
    void childrenExitWhenUpIsKilledHard(@TempDir Path dir) throws Exception {
        int app = freePort();
        int admin = freePort();
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: echo-1, namespace: default}
                spec:
                  ports: [{name: http, port: %d}]
                  command: [lattice, echo, --port, "%d", --name, echo-1]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: Workload
                metadata: {name: sleeper, namespace: default}
                spec:
                  ports: [{name: http, port: %d}]
                  sidecar: {inject: false}
                  command: [sleep, "300"]
                """.formatted(app, app, freePort()));
        Path log = Files.createTempFile("lattice-up-", ".log");
        Process up = lattice(dir, "up", dir.toString(), "--admin-port", String.valueOf(admin))
                .redirectOutput(log.toFile()).start();
        List<ProcessHandle> seen = new ArrayList<>();
        try {
            await("the echo", up, log, Duration.ofSeconds(60), () -> get(app, null, "/").statusCode() == 200);
            await("the sidecar and the sleeper", up, log, Duration.ofSeconds(30), () ->
                    up.descendants().anyMatch(p -> cmdline(p).contains("sleep 300"))
                            && up.descendants().anyMatch(p -> cmdline(p).contains("--node-id sidecar~")));
            seen.addAll(up.descendants().toList());
            up.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (seen.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(seen.stream().filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + cmdline(p)))
                    .as("children left after SIGKILL of lattice up").isEmpty();
            Files.delete(log);
        } finally {
            up.destroyForcibly();
            seen.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void validateReportsEveryProblemWithItsPlace(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), mesh(18080, 19999));
        Result ok = run(dir, "validate", dir.toString());
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("ok, 5 resources").contains("no problems");

        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: v1
                kind: Service
                metadata: {name: bad, namespace: default}
                spec:
                  ports: [{name: http, port: notanumber}]
                """);
        Result bad = run(dir, "validate", dir.toString());
        assertThat(bad.exit()).as(bad.output()).isEqualTo(1);
        assertThat(bad.output()).containsPattern("bad\\.yaml:\\d+: Service default/bad: spec\\.ports\\[0\\]\\.port: \\S");
    }

    @Test
    void theLauncherWorksFromAnyDirectory(@TempDir Path dir) throws Exception {
        Result v = run(dir, "--version");
        assertThat(v.exit()).as(v.output()).isZero();
        assertThat(v.output()).contains("lattice 0.1.0");
        Result help = run(Path.of("/"), "get", "--help");
        assertThat(help.output()).contains("KIND", "--namespace", "--output");
    }
}
