package dev.lattice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyMainTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheCommandLine() {
        ProxyOptions o = ProxyMain.parse(new String[] {"--xds", "127.0.0.1:15010", "--node-id", "sidecar~default~reviews-v1",
                "--admin-port=15000", "--threads", "2", "--bootstrap", "/tmp/b.json", "--metadata", "zone=a"});
        assertThat(o).isEqualTo(new ProxyOptions("127.0.0.1:15010", "sidecar~default~reviews-v1", 15000, 2, Path.of("/tmp/b.json"),
                Map.of("zone", "a")));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> ProxyMain.parse(new String[] {"--threads", "x", "--xds", "h:1"}))
                .hasMessage("proxy: --threads must be a number, got x");
        assertThatThrownBy(() -> ProxyMain.parse(new String[] {"--nope", "1"})).hasMessage("proxy: unknown option --nope");
        assertThatThrownBy(() -> ProxyMain.parse(new String[] {"--admin-port", "1"}))
                .hasMessage("proxy: give --xds HOST:PORT or --bootstrap FILE (or both)");
        assertThatThrownBy(() -> ProxyMain.parse(new String[] {"--xds", "nohostport"}))
                .hasMessage("proxy: --xds must be HOST:PORT, got nohostport");
    }

    @Test
    void cannotStartWhenTheAdminPortIsTakenOrTheBootstrapIsBad() throws Exception {
        Path boot = dir.resolve("b.json");
        Files.writeString(boot, TestConfigs.bootstrap(List.of(), List.of()));
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(ProxyMain.run(new ProxyOptions(null, "x", taken.getLocalPort(), 1, boot, Map.of()))).isEqualTo(1);
        }
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, TestConfigs.bootstrap(List.of(), List.of(TestConfigs.cluster("c", "MAGLEV", false, 80))));
        assertThat(ProxyMain.run(new ProxyOptions(null, "x", 0, 1, bad, Map.of()))).isEqualTo(1);
    }

    @Test
    void recommendedFlagsAreThere() {
        assertThat(ProxyMain.RECOMMENDED_JVM_FLAGS).contains("-XX:+UseSerialGC", "-Xmx48m");
    }

    @Test
    void leanClasspathListsTheProxyJarAndItsRuntimeDependencies() throws Exception {
        Path lib = dir.resolve("lib");
        Files.createDirectories(lib);
        assertThat(ProxyMain.leanClasspath(lib)).isEmpty();
        Files.writeString(lib.resolve("lattice-proxy-" + ProxyMain.VERSION + ".jar"), "");
        String recorded;
        try (var in = ProxyMain.class.getResourceAsStream(ProxyMain.RUNTIME_CLASSPATH_RESOURCE)) {
            recorded = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        }
        List<String> names = java.util.Arrays.stream(recorded.split(":")).map(e -> e.substring(e.lastIndexOf('/') + 1)).toList();
        assertThat(names).anyMatch(n -> n.startsWith("netty-codec-http2-")).anyMatch(n -> n.startsWith("grpc-okhttp-"))
                .noneMatch(n -> n.startsWith("grpc-netty"))
                .anyMatch(n -> n.startsWith("api-")).noneMatch(n -> n.startsWith("junit"))
                .anyMatch(n -> n.startsWith("json-schema-validator-")); // request validation's schemas (Jackson with it)
        for (String n : names.subList(0, names.size() - 1)) {
            Files.writeString(lib.resolve(n), "");
        }
        assertThat(ProxyMain.leanClasspath(lib)).isEmpty();
        Files.writeString(lib.resolve(names.get(names.size() - 1)), "");
        Files.writeString(lib.resolve("picocli-4.7.7.jar"), "");
        var cp = ProxyMain.leanClasspath(lib).orElseThrow();
        assertThat(cp).hasSize(names.size() + 1).doesNotContain(lib.resolve("picocli-4.7.7.jar"));
        assertThat(cp.get(0).getFileName().toString()).isEqualTo("lattice-proxy-" + ProxyMain.VERSION + ".jar");
    }
}
