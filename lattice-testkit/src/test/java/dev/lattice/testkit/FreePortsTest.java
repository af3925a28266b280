package dev.lattice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortsTest {
    @Test
    void portsAreBelowTheEphemeralRangeDistinctAndBindable() throws Exception {
        int low = FreePorts.ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int p = FreePorts.next();
            assertThat(p).isLessThan(low).isGreaterThanOrEqualTo(1024);
            assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
        }
        int p = FreePorts.next();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(p));
            assertThat(FreePorts.bindable(p)).isFalse();
        }
    }

    @Test
    void ephemeralRangeIsReadFromTheFileOrDefaults(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("range");
        Files.writeString(f, "40000\t60999\n");
        assertThat(FreePorts.ephemeralLow(f)).isEqualTo(40000);
        Files.writeString(f, "garbage");
        assertThat(FreePorts.ephemeralLow(f)).isEqualTo(32768);
        assertThat(FreePorts.ephemeralLow(dir.resolve("missing"))).isEqualTo(32768);
    }
}
