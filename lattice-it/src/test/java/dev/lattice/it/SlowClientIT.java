package dev.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Slow and abusive clients against a real {@code lattice up} gateway (issue #7), one mesh for every case:
 * <ul>
 *   <li>docs/security.md's ClientTrafficPolicy example (read from the page) sets requestHeadersTimeout 2s on the
 *       listener {@code http}: 400 connections that trickle a request head a byte every 500 ms, never finishing it,
 *       are all closed by the proxy between the timeout and the timeout plus slack, while a normal client sends
 *       requests on the same listener throughout and every one of them is answered 200;</li>
 *   <li>idleTimeout 2s on the listener {@code idle}: a keep-alive connection that has had its answer and then says
 *       nothing is closed after about 2 s;</li>
 *   <li>maxConnections 5 on the listener {@code limited}: with 5 connections open the 6th is closed at once (and
 *       counted in lattice_downstream_cx_overflow_total) while the 5 are served; once one closes, a new one is served;</li>
 *   <li>no policy on the listener {@code plain}: the 10 s default closes a trickling connection;</li>
 *   <li>http2.maxConcurrentStreams 7 on the listener {@code idle}: its SETTINGS frame to an h2c client says 7 (the
 *       listener {@code plain} says the default, 1024).</li>
 * </ul>
 * The 400 connections need 400 descriptors in this JVM and in the gateway's proxy (the test checks
 * {@code ulimit -n} is well above that).
 */
class SlowClientIT {
    static final int TRICKLERS = 400;
    static final long SLACK_MILLIS = 3_000;

    static final String MESH = Mesh.GATEWAY_GW.replace("listeners: [{name: http, protocol: HTTP, port: GW}]", """
            listeners:
              - {name: http, protocol: HTTP, port: GW}
              - {name: idle, protocol: HTTP, port: IDLE}
              - {name: limited, protocol: HTTP, port: LIMITED}
              - {name: plain, protocol: HTTP, port: PLAIN}""") + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: echo, port: 80}]}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: ClientTrafficPolicy
            metadata: {name: idle-clients}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: idle}]
              timeout:
                http: {idleTimeout: 2s}
              http2: {maxConcurrentStreams: 7}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: ClientTrafficPolicy
            metadata: {name: few-clients}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: limited}]
              connection: {maxConnections: 5}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo}
            spec:
              selector: {app: echo}
              ports: [{port: 80, targetPort: ECHO}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: echo, labels: {app: echo}}
            spec:
              ports: [{port: ECHO}]
              sidecar: {inject: false}
              command: [lattice, echo, --port, "ECHO", --name, echo]
            """;

    /** The YAML block after the {@code <!-- SlowClientIT example -->} marker of docs/security.md. */
    static String docsExample() throws IOException {
        String page = Files.readString(Mesh.repo().resolve("docs/security.md"));
        Matcher m = Pattern.compile("<!-- SlowClientIT example -->\\s*```yaml\\n(.*?)```", Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as("the example block in docs/security.md").isTrue();
        return m.group(1);
    }

    @Test
    void slowHeadsIdleConnectionsAndTooManyConnectionsAreClosedWhileOthersAreServed() throws Exception {
        assertThat(openFileLimit()).as("ulimit -n").isGreaterThan(2 * TRICKLERS + 200);
        int gw = Mesh.freePort(), idle = Mesh.freePort(), limited = Mesh.freePort(), plain = Mesh.freePort();
        int echo = Mesh.freePort();
        Path dir = Files.createTempDirectory("lattice-slowclient-");
        Files.writeString(dir.resolve("mesh.yaml"), MESH.replace("GW", String.valueOf(gw)).replace("IDLE", String.valueOf(idle))
                .replace("LIMITED", String.valueOf(limited)).replace("PLAIN", String.valueOf(plain))
                .replace("ECHO", String.valueOf(echo)));
        Files.writeString(dir.resolve("slow-clients.yaml"), docsExample());
        long t0 = System.nanoTime();
        try (Mesh mesh = Mesh.up(dir)) {
            mesh.awaitProxiesSynced(Duration.ofSeconds(90));
            for (int port : new int[] {gw, idle, limited, plain}) mesh.awaitRoute(port, "any.example", "/");
            // the policies are in force once the limited listener refuses a 6th connection
            mesh.await("maxConnections in force", Duration.ofSeconds(60), () -> refusedAmongSix(limited));

            long t1 = System.nanoTime();
            // the default (10 s) on a listener without a policy, one trickler, running beside the attack
            CompletableFuture<Long> plainLife = CompletableFuture.supplyAsync(() -> trickleUntilClosed(plain, 20_000));

            // the attack: 400 tricklers on the listener with requestHeadersTimeout 2s, and a normal client meanwhile
            List<Trickler> tricklers = new ArrayList<>();
            for (int i = 0; i < TRICKLERS; i++) tricklers.add(new Trickler(gw));
            AtomicInteger served = new AtomicInteger(), failed = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            long attackEnd = System.nanoTime() + Duration.ofMillis(2_000 + SLACK_MILLIS + 1_000).toNanos();
            Thread normal = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < attackEnd) {
                    try {
                        HttpResponse<String> r = Mesh.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + "/normal"))
                                .header("Host", "any.example").timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) served.incrementAndGet();
                        else failures.add("status " + r.statusCode());
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        failures.add(e.toString());
                    }
                }
            });
            long deadline = System.nanoTime() + Duration.ofMillis(2_000 + SLACK_MILLIS + 3_000).toNanos();
            int open = TRICKLERS;
            while (open > 0 && System.nanoTime() < deadline) {
                open = 0;
                for (Trickler t : tricklers) if (t.step()) open++;
                Thread.sleep(500);
            }
            normal.join();
            for (Trickler t : tricklers) t.close();

            assertThat(tricklers.stream().filter(t -> t.closedAt == 0).count()).as("tricklers still open").isZero();
            long shortest = tricklers.stream().mapToLong(Trickler::lifeMillis).min().orElseThrow();
            long longest = tricklers.stream().mapToLong(Trickler::lifeMillis).max().orElseThrow();
            assertThat(shortest).as("no trickler closed before its 2 s").isGreaterThanOrEqualTo(1_900);
            assertThat(longest).as("every trickler closed within 2 s + slack").isLessThanOrEqualTo(2_000 + SLACK_MILLIS);
            // each had sent part of a head, so each is answered 408 before the close; a byte the trickler sends after
            // the close may make the kernel reset the connection and drop that answer unread, so not all must see it
            assertThat(tricklers.stream().filter(t -> t.got408).count()).as("tricklers that read a 408")
                    .isGreaterThan(TRICKLERS / 2);
            System.out.printf("SlowClientIT: mesh up and policies in force after %d ms; %d tricklers closed after %d..%d ms,"
                    + " %d of them read the 408; the normal client had %d answers meanwhile%n", (t1 - t0) / 1_000_000,
                    TRICKLERS, shortest, longest, tricklers.stream().filter(t -> t.got408).count(), served.get());
            assertThat(failures).as("the normal client's failures during the attack").isEmpty();
            assertThat(served.get()).as("the normal client's answers during the attack").isGreaterThan(5);

            // idleTimeout 2s: a keep-alive connection with nothing in flight is closed after ~2 s
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", idle), 5_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /idle HTTP/1.1\r\nHost: any.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String head = readResponse(s.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200");
                long answered = System.nanoTime();
                int b = s.getInputStream().read();
                long idleMillis = (System.nanoTime() - answered) / 1_000_000;
                assertThat(b).as("EOF after the idle timeout").isEqualTo(-1);
                assertThat(idleMillis).isBetween(1_800L, 2_000 + SLACK_MILLIS);
            }

            // maxConnections 5: the 6th is closed while the 5 are open and served; a freed place serves again
            List<Socket> five = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) five.add(connect(limited));
                Thread.sleep(300);
                try (Socket sixth = connect(limited)) {
                    assertThat(closedWithin(sixth, 2_000)).as("the 6th connection is closed").isTrue();
                }
                for (Socket s : five) assertThat(request(s)).as("one of the 5 is served").startsWith("HTTP/1.1 200");
                five.remove(0).close();
                Thread.sleep(300);
                try (Socket again = connect(limited)) {
                    assertThat(request(again)).as("a connection in the freed place is served").startsWith("HTTP/1.1 200");
                }
            } finally {
                for (Socket s : five) s.close();
            }
            int gwAdmin = gatewayAdminPort(mesh);
            String stats = Mesh.get(URI.create("http://127.0.0.1:" + gwAdmin + "/stats/prometheus"), java.util.Map.of()).body();
            assertThat(stats).containsPattern("lattice_downstream_cx_overflow_total\\{listener=\"gateway/" + limited
                    + "\",stat_prefix=\"gateway_" + limited + "\"} [1-9]");

            long plainMillis = plainLife.get();
            System.out.printf("SlowClientIT: the default head timeout closed a trickler after %d ms; checks took %d ms%n",
                    plainMillis, (System.nanoTime() - t1) / 1_000_000);
            assertThat(plainMillis).as("the default 10 s head timeout").isBetween(9_800L, 10_000 + SLACK_MILLIS);

            // http2.maxConcurrentStreams per listener, as announced in the server's SETTINGS
            assertThat(h2MaxConcurrentStreams(idle)).as("SETTINGS_MAX_CONCURRENT_STREAMS on idle").isEqualTo(7);
            assertThat(h2MaxConcurrentStreams(plain)).as("SETTINGS_MAX_CONCURRENT_STREAMS on plain").isEqualTo(1024);

            // the policies' status
            for (String name : List.of("slow-clients", "idle-clients", "few-clients")) {
                var a = mesh.adminJson("/api/v1/resources?kind=clienttrafficpolicies&name=" + name).path(0).path("status")
                        .path("ancestors").path(0);
                assertThat(a.path("conditions").path(0).path("reason").asText()).as(name + " status").isEqualTo("Accepted");
            }
        }
    }

    /** One connection that sends a request head a byte at a time and never ends it. */
    static final class Trickler {
        private static final byte[] HEAD = ("GET /slow HTTP/1.1\r\nHost: any.example\r\nX-Slow: "
                + "a".repeat(200)).getBytes(StandardCharsets.US_ASCII);
        final SocketChannel ch;
        final long openedAt = System.nanoTime();
        long closedAt;
        boolean got408;
        private int sent;
        private final StringBuilder answer = new StringBuilder();
        private final ByteBuffer buf = ByteBuffer.allocate(512);

        Trickler(int port) throws IOException {
            ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.configureBlocking(false);
        }

        /** Reads what the proxy sent, then sends the next byte; false once the proxy has closed the connection. */
        boolean step() {
            if (closedAt != 0) return false;
            try {
                buf.clear();
                int n = ch.read(buf);
                if (n > 0) {
                    answer.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                    if (answer.toString().startsWith("HTTP/1.1 408")) got408 = true;
                }
                if (n < 0) {
                    closedAt = System.nanoTime();
                    return false;
                }
                if (sent < HEAD.length) {
                    ch.write(ByteBuffer.wrap(HEAD, sent, 1));
                    sent++;
                }
                return true;
            } catch (IOException e) {
                // reset or broken pipe: closed by the proxy
                closedAt = System.nanoTime();
                return false;
            }
        }

        long lifeMillis() {
            return (closedAt - openedAt) / 1_000_000;
        }

        void close() throws IOException {
            ch.close();
        }
    }

    /** Trickles on {@code port} until the proxy closes the connection; its life in milliseconds. */
    static long trickleUntilClosed(int port, long maxMillis) {
        try {
            Trickler t = new Trickler(port);
            long end = System.nanoTime() + maxMillis * 1_000_000;
            while (t.step() && System.nanoTime() < end) Thread.sleep(500);
            t.close();
            return t.closedAt == 0 ? Long.MAX_VALUE : t.lifeMillis();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens 6 connections to {@code port}: whether one of them was closed by the proxy (the others sent nothing). */
    static boolean refusedAmongSix(int port) throws IOException, InterruptedException {
        List<Socket> six = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) six.add(connect(port));
            Thread.sleep(300);
            int closed = 0;
            for (Socket s : six) if (closedWithin(s, 300)) closed++;
            return closed == 1;
        } finally {
            for (Socket s : six) s.close();
            Thread.sleep(300); // the proxy sees the closes before the next attempt
        }
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    /** Whether the peer closes {@code s} (EOF or reset) within {@code millis}, having sent nothing. */
    static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Sends one GET on {@code s} and returns the response head. */
    static String request(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write("GET /limited HTTP/1.1\r\nHost: any.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readResponse(s.getInputStream());
    }

    /** Reads one response with a content-length body; returns its head. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed in the response head: " + head);
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        if (m.find()) in.readNBytes(Integer.parseInt(m.group(1)));
        return head.toString();
    }

    /**
     * Opens an h2c (prior knowledge) connection, sends the preface and an empty SETTINGS frame, and returns the
     * SETTINGS_MAX_CONCURRENT_STREAMS (0x3) of the server's first SETTINGS frame (-1 when it names none).
     */
    static long h2MaxConcurrentStreams(int port) throws IOException {
        try (Socket s = connect(port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0}); // SETTINGS, no parameters, stream 0
            out.flush();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            while (true) {
                int len = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt(); // stream id
                byte[] payload = in.readNBytes(len);
                if (type != 0x4 || (flags & 0x1) != 0) continue; // not SETTINGS, or an ACK
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload);
                long value = -1;
                while (b.remaining() >= 6) {
                    int id = b.getShort() & 0xffff;
                    long v = b.getInt() & 0xffffffffL;
                    if (id == 0x3) value = v;
                }
                return value;
            }
        }
    }

    static int gatewayAdminPort(Mesh mesh) throws IOException {
        return mesh.proxy("gateway~default~gw").path("adminPort").asInt();
    }

    static long openFileLimit() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "ulimit -n").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        p.waitFor();
        return out.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(out);
    }
}
