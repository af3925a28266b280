package dev.lattice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EchoServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EchoServer echo;
    private static HttpClient h1;
    private static HttpClient h2;

    @BeforeAll
    static void start() {
        echo = EchoServer.start(0, "reviews-v1", "bookstore");
        h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    }

    @AfterAll
    static void stop() {
        h1.close();
        h2.close();
        echo.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + echo.port() + path);
    }

    @Test
    void http11EchoesTheRequest() throws Exception {
        HttpResponse<String> r = h1.send(HttpRequest.newBuilder(uri("/books?x=1")).header("X-Foo", "bar").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("name").asText()).isEqualTo("reviews-v1");
        assertThat(j.get("namespace").asText()).isEqualTo("bookstore");
        assertThat(j.get("method").asText()).isEqualTo("GET");
        assertThat(j.get("path").asText()).isEqualTo("/books?x=1");
        assertThat(j.get("host").asText()).isEqualTo("127.0.0.1:" + echo.port());
        assertThat(j.get("proto").asText()).isEqualTo("HTTP/1.1");
        assertThat(j.get("headers").get("x-foo").get(0).asText()).isEqualTo("bar");
        assertThat(j.get("bodyLength").asLong()).isZero();
    }

    @Test
    void h2cByUpgradeAnswersAsHttp2() throws Exception {
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(uri("/up")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("proto").asText()).isEqualTo("HTTP/2.0");
        assertThat(j.get("path").asText()).isEqualTo("/up");
        // the next request on the upgraded connection is plain HTTP/2
        HttpResponse<String> r2 = h2.send(HttpRequest.newBuilder(uri("/again"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j2 = JSON.readTree(r2.body());
        assertThat(j2.get("proto").asText()).isEqualTo("HTTP/2.0");
        assertThat(j2.get("method").asText()).isEqualTo("POST");
        assertThat(j2.get("bodyLength").asLong()).isEqualTo(5);
    }

    @Test
    void h2cPriorKnowledgeWithCurl() throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-H", "X-Echo-Set-Header: a:1,b:2",
                "-D", "-", uri("/status/418?k=v").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(out).startsWith("HTTP/2 418");
        assertThat(out).contains("a: 1").contains("b: 2");
        JsonNode j = JSON.readTree(out.substring(out.indexOf('{')));
        assertThat(j.get("proto").asText()).isEqualTo("HTTP/2.0");
        assertThat(j.get("host").asText()).isEqualTo("127.0.0.1:" + echo.port());
        assertThat(j.get("path").asText()).isEqualTo("/status/418?k=v");
    }

    @Test
    void statusAndSetHeaderOverHttp11() throws Exception {
        HttpResponse<String> r = h1.send(HttpRequest.newBuilder(uri("/status/503"))
                .header("X-Echo-Set-Header", "x-a:one, x-b:two").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-a")).hasValue("one");
        assertThat(r.headers().firstValue("x-b")).hasValue("two");
        assertThat(h1.send(HttpRequest.newBuilder(uri("/status/abc")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
    }

    @Test
    void delayWaitsWithoutBlockingOtherRequests() throws Exception {
        long t0 = System.nanoTime();
        var slow = h1.sendAsync(HttpRequest.newBuilder(uri("/slow?delay=500ms")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> fast = h1.send(HttpRequest.newBuilder(uri("/fast")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fast.statusCode()).isEqualTo(200);
        assertThat(slow.isDone()).isFalse();
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(500).toNanos());
        long t1 = System.nanoTime();
        assertThat(h2.send(HttpRequest.newBuilder(uri("/s?delay=1s")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - t1).isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void uploadBodyLengthIsReported() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 7];
        for (HttpClient c : new HttpClient[] {h1, h2}) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(uri("/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(r.body()).get("bodyLength").asLong()).isEqualTo(body.length);
        }
    }

    @Test
    void bytesStreamsDownloads() throws Exception {
        long n = 5L * 1024 * 1024 + 3;
        for (HttpClient c : new HttpClient[] {h1, h2}) {
            HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(uri("/bytes/" + n)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            long total = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[64 * 1024];
                for (int k; (k = in.read(buf)) > 0; ) {
                    total += k;
                }
            }
            assertThat(total).isEqualTo(n);
        }
    }

    @Test
    void requestLogHoldsRecentRequestsNewestLast() throws Exception {
        try (EchoServer own = EchoServer.start(0, "log", "default")) {
            for (int i = 0; i < 3; i++) {
                h1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.port() + "/r" + i)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            HttpResponse<String> r = h1.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + own.port() + "/.echo/requests")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode all = JSON.readTree(r.body());
            assertThat(all.size()).isEqualTo(3);
            assertThat(all.get(2).get("path").asText()).isEqualTo("/r2");
            assertThat(own.requests()).hasSize(3);
        }
    }

    @Test
    void malformedRequestGets400AndClose() throws Exception {
        try (Socket s = new Socket("127.0.0.1", echo.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket s = new Socket("127.0.0.1", echo.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /a?delay=200ms HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer.indexOf("\"path\":\"/a?delay=200ms\"")).isPositive()
                    .isLessThan(answer.indexOf("\"path\":\"/b\""));
        }
    }
}
