package dev.lattice.control.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lattice.control.FakeSource;
import dev.lattice.control.source.SourceState;
import dev.lattice.model.Resource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes (sh and sleep stand in for the proxy and the apps) under a real LocalMesh. */
class LocalMeshTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Resource workload(String name, String command, Integer outbound) {
        String sidecar = outbound == null ? "{\"inject\": false}" : "{\"outboundPort\": " + outbound + "}";
        return FakeSource.resource("w.yaml", 1, """
                {"apiVersion": "lattice.dev/v1alpha1", "kind": "Workload",
                 "metadata": {"name": "%s", "namespace": "default"},
                 "spec": {"ports": [{"name": "http", "port": 19999}], "sidecar": %s,
                          "env": {"GREETING": "hi"},
                          "command": ["sh", "-c", %s]}}""".formatted(name, sidecar, JSON.valueToTree(command)));
    }

    static void await(String what, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!check.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static Optional<Long> pidIn(Path file) {
        try {
            String s = Files.readString(file).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s.lines().reduce((a, b) -> b).orElseThrow()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void runsProxiesAndWorkloadsFollowsReloadsRestartsAndStopsEverything(@TempDir Path dir) throws Exception {
        int outbound = PortPlacer.freePort();
        // each child writes what it needs us to see, then sleeps; a grandchild shows descendants are stopped too
        String app = "echo $$ >> a.pid; echo \"$HTTP_PROXY $GREETING $LATTICE_PARENT_PID\" > a.env; sleep 300 & wait";
        String other = "echo $$ >> b.pid; exec sleep 300";
        FakeSource source = new FakeSource(new SourceState(List.of(workload("a", app, outbound),
                workload("b", other, null)), List.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> proxy = List.of("sh", "-c", "echo \"$@\" > proxy.args; exec sleep 300", "fake-proxy");
        LocalMesh mesh = LocalMesh.start(new LocalMesh.Options(dir, source, 0, 2, proxy, List.of("lattice-self"), java.util.Map.of(), print));
        List<Long> seen = new ArrayList<>();
        try {
            await("workload a", () -> Files.exists(dir.resolve("a.env")) && pidIn(dir.resolve("a.pid")).isPresent());
            await("workload b", () -> pidIn(dir.resolve("b.pid")).isPresent());
            await("the proxy", () -> Files.exists(dir.resolve("proxy.args")));
            assertThat(Files.readString(dir.resolve("a.env")).trim())
                    .isEqualTo("http://127.0.0.1:" + outbound + " hi " + ProcessHandle.current().pid());
            String args = Files.readString(dir.resolve("proxy.args")).trim();
            assertThat(args).startsWith("--xds 127.0.0.1:" + mesh.xdsPort() + " --node-id sidecar~default~a --admin-port ")
                    .endsWith("--threads 2");
            assertThat(Files.exists(mesh.logs().resolve("workload-default-a.log"))).isTrue();
            assertThat(Files.exists(mesh.logs().resolve("sidecar-default-a.log"))).isTrue();

            // the admin API shows the proxy's process
            HttpClient http = HttpClient.newHttpClient();
            JsonNode proxies = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + mesh.adminPort() + "/api/v1/proxies")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            http.close();
            assertThat(proxies.size()).isEqualTo(1);
            assertThat(proxies.get(0).path("process").asText()).isEqualTo("running");
            assertThat(proxies.get(0).path("pid").asLong()).isPositive();

            // a workload that dies is restarted
            long b1 = pidIn(dir.resolve("b.pid")).orElseThrow();
            seen.add(b1);
            ProcessHandle.of(b1).orElseThrow().destroyForcibly();
            await("b restarted", () -> pidIn(dir.resolve("b.pid")).filter(p -> p != b1).isPresent());
            long b2 = pidIn(dir.resolve("b.pid")).orElseThrow();
            seen.add(b2);
            assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).contains("workload default/b exited");

            // a reload without b stops b and keeps a (same pid)
            long a1 = pidIn(dir.resolve("a.pid")).orElseThrow();
            seen.add(a1);
            source.push(new SourceState(List.of(workload("a", app, outbound)), List.of()));
            await("b stopped", () -> !alive(b2));
            assertThat(alive(a1)).isTrue();
            assertThat(pidIn(dir.resolve("a.pid"))).hasValue(a1);
            seen.addAll(ProcessHandle.of(a1).orElseThrow().descendants().map(ProcessHandle::pid).toList());
            seen.addAll(ProcessHandle.current().descendants().map(ProcessHandle::pid).toList());
            assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8))
                    .contains("admin API", "xDS (ADS)", "outbound 127.0.0.1:" + outbound, "workload default/a");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- lattice up output ---\n"
                    + out.toString(StandardCharsets.UTF_8), e);
        } finally {
            mesh.close();
        }
        assertThat(source.closed).isTrue();
        for (long pid : seen) {
            assertThat(alive(pid)).as("pid " + pid + " stopped").isFalse();
        }
    }
}
