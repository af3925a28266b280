package dev.lattice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's, {@code /usr/bin/redis-server}; CI installs it) for tests: started on a free
 * loopback port with nothing persisted, stopped and started again on the same port, killed on {@link #close()}.
 */
public final class RedisServer implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final int port;
    private final Path log;
    private Process process;

    private RedisServer(int port) throws IOException {
        this.port = port;
        this.log = Files.createTempFile("redis-" + port + "-", ".log");
    }

    /** Whether the tests can start one here. */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** A server on a free port, started and answering PING. */
    public static RedisServer start() throws IOException {
        RedisServer r = new RedisServer(FreePorts.next());
        r.startAgain();
        return r;
    }

    public int port() {
        return port;
    }

    /** The server process's pid (for SIGSTOP / SIGCONT: a server that takes commands and never answers). */
    public synchronized long pid() {
        if (process == null) throw new IllegalStateException("not running");
        return process.pid();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Starts the server (again, on the same port) and waits until it answers PING. */
    public synchronized void startAgain() throws IOException {
        if (process != null && process.isAlive()) return;
        process = new ProcessBuilder(List.of(BINARY.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) throw new IOException("redis-server exited: " + Files.readString(log));
            try {
                if (command("PING").startsWith("+PONG")) return;
            } catch (IOException e) {
                // not listening yet
            }
            sleep(50);
        }
        throw new IOException("redis-server on port " + port + " did not answer PING: " + Files.readString(log));
    }

    /** Stops the server (SIGKILL: as a crash) and waits until it is gone. */
    public synchronized void stop() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Sends one inline command and returns the first line of the answer (e.g. {@code +PONG}, {@code :3}). */
    public String command(String inline) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) if (c != '\r') line.append((char) c);
            return line.toString();
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
