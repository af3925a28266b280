package dev.lattice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The echo's retry simulation (succeedAfter / uuid / responseCode / delayRetry) over real sockets. */
class EchoRetrySimulationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EchoServer echo;
    private static HttpClient h1;
    private static HttpClient h2;

    @BeforeAll
    static void start() {
        echo = EchoServer.start(0, "infra-backend-v3", "gateway-conformance-infra");
        h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    }

    @AfterAll
    static void stop() {
        h1.close();
        h2.close();
        echo.close();
    }

    private static HttpResponse<String> send(HttpClient c, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + echo.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long attemptsLogged(String uuid) {
        return echo.requests().stream().filter(j -> j.path("path").asText().contains("uuid=" + uuid)).count();
    }

    @Test
    void responseCodeModeFailsTheFirstAttemptsOfEachUuid() throws Exception {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String pa = "/retry/x?responseCode=503&succeedAfter=2&uuid=" + a;
        assertThat(send(h1, pa).statusCode()).isEqualTo(503);
        assertThat(send(h1, "/retry/x?responseCode=500&succeedAfter=1&uuid=" + b).statusCode()).isEqualTo(500);
        HttpResponse<String> second = send(h1, pa);
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(second.body()).get("retryAttempt").asInt()).isEqualTo(2);
        HttpResponse<String> ok = send(h1, pa);
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode j = JSON.readTree(ok.body());
        assertThat(j.get("name").asText()).isEqualTo("infra-backend-v3");
        assertThat(j.get("namespace").asText()).isEqualTo("gateway-conformance-infra");
        assertThat(send(h1, pa).statusCode()).isEqualTo(200);
        assertThat(send(h1, "/retry/x?responseCode=500&succeedAfter=1&uuid=" + b).statusCode()).isEqualTo(200);
        assertThat(attemptsLogged(a)).isEqualTo(4);
        // the same over h2c
        String c = UUID.randomUUID().toString();
        assertThat(send(h2, "/r?succeedAfter=1&responseCode=502&uuid=" + c).statusCode()).isEqualTo(502);
        assertThat(send(h2, "/r?succeedAfter=1&responseCode=502&uuid=" + c).statusCode()).isEqualTo(200);
    }

    @Test
    void connectionErrorModeResetsTheConnection() throws Exception {
        String id = UUID.randomUUID().toString();
        String request = "GET /retry/conn?succeedAfter=2&uuid=" + id + " HTTP/1.1\r\nHost: x\r\n\r\n";
        for (int i = 0; i < 2; i++) {
            try (Socket s = new Socket("127.0.0.1", echo.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                // a TCP RST, not an orderly close (read() == -1) and not a response
                assertThatThrownBy(() -> in.read()).isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
            }
        }
        try (Socket s = new Socket("127.0.0.1", echo.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"name\":\"infra-backend-v3\"");
        }
        assertThat(attemptsLogged(id)).isEqualTo(3);
        // an HTTP client sees an I/O error; over h2c the stream is reset and the next request succeeds
        String h = UUID.randomUUID().toString();
        assertThatThrownBy(() -> send(h2, "/r?succeedAfter=1&uuid=" + h)).isInstanceOf(IOException.class);
        assertThat(send(h2, "/r?succeedAfter=1&uuid=" + h).statusCode()).isEqualTo(200);
    }

    @Test
    void delayRetryDelaysOnlyTheFailures() throws Exception {
        String id = UUID.randomUUID().toString();
        String p = "/retry/d?responseCode=500&succeedAfter=1&delayRetry=400ms&uuid=" + id;
        long t0 = System.nanoTime();
        assertThat(send(h1, p).statusCode()).isEqualTo(500);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
        long t1 = System.nanoTime();
        assertThat(send(h1, p).statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - t1).isLessThan(Duration.ofMillis(400).toNanos());
    }

    @Test
    void missingUuidOrBadNumbersAnswer400() throws Exception {
        assertThat(send(h1, "/retry/x?succeedAfter=1").statusCode()).isEqualTo(400);
        assertThat(send(h1, "/retry/x?succeedAfter=x&uuid=1").statusCode()).isEqualTo(400);
        assertThat(send(h1, "/retry/x?succeedAfter=1&uuid=1&responseCode=abc").statusCode()).isEqualTo(400);
        // without succeedAfter the /retry/ path is a plain echo
        assertThat(send(h1, "/retry/x?uuid=1&responseCode=500").statusCode()).isEqualTo(200);
    }
}
