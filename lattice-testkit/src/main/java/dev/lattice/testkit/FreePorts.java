package dev.lattice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for tests that must name a port before the process that binds it starts. A port is free when
 * handed out, and never handed out twice by one JVM.
 *
 * <p>Ports come from just below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}): the kernel
 * never gives those to a {@code bind(0)} or an outgoing connection, so no other process of the test (a control
 * plane's admin port, a proxy's upstream connection) can take a port between the moment it is handed out and the
 * moment its server binds it. Ports from the ephemeral range itself, which the kernel hands out again at once,
 * made such tests collide now and then.
 */
public final class FreePorts {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    /** How far below the ephemeral range ports are taken from. */
    private static final int SPAN = 12_000;
    private static final int EPHEMERAL_LOW = ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));

    private FreePorts() {}

    public static int next() {
        int hi = EPHEMERAL_LOW - 1;
        int lo = Math.max(1024, hi - SPAN);
        if (hi - lo >= 1000) {
            for (int attempt = 0; attempt < 500; attempt++) {
                int p = ThreadLocalRandom.current().nextInt(lo, hi + 1);
                if (HANDED_OUT.contains(p) || !bindable(p)) continue;
                if (HANDED_OUT.add(p)) return p;
            }
        }
        // no room below the ephemeral range: a port the kernel picks
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port found that this JVM had not handed out already");
    }

    /** The first port of the ephemeral range the file says ("32768\t60999"), or 32768 when it cannot be read. */
    static int ephemeralLow(Path rangeFile) {
        try {
            // readAllLines, not readString: JDK 25's readAllBytes returns a sysctl file cut short ("3")
            String[] parts = String.join(" ", Files.readAllLines(rangeFile)).trim().split("\\s+");
            return Integer.parseInt(parts[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    /** Whether a server can bind the port on every address now (as servers do, with SO_REUSEADDR). */
    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
