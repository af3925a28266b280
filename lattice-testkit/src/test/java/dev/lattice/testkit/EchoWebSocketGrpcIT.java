package dev.lattice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EchoWebSocketGrpcIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EchoServer echo;
    private static HttpClient client;
    private static ManagedChannel grpc;

    @BeforeAll
    static void start() {
        echo = EchoServer.start("127.0.0.1", 0, 0, "chat-v1", "web", 1);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        grpc = NettyChannelBuilder.forAddress("127.0.0.1", echo.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        client.close();
        echo.close();
    }

    /** Collects whole messages (text as String, binary as byte[]) in arrival order. */
    private static final class Collector implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.writeBytes(b);
            if (last) {
                messages.add(bin.toByteArray());
                bin.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a WebSocket message within 10s").isNotNull();
            return m;
        }
    }

    @Test
    void webSocketSaysHelloThenEchoesTextAndBinary() throws Exception {
        Collector c = new Collector();
        WebSocket ws = client.newWebSocketBuilder().header("X-Who", "tester")
                .buildAsync(URI.create("ws://127.0.0.1:" + echo.port() + "/ws?room=1"), c)
                .get(10, TimeUnit.SECONDS);
        JsonNode hello = JSON.readTree((String) c.next());
        assertThat(hello.get("name").asText()).isEqualTo("chat-v1");
        assertThat(hello.get("namespace").asText()).isEqualTo("web");
        assertThat(hello.get("path").asText()).isEqualTo("/ws?room=1");
        assertThat(hello.get("headers").get("x-who").get(0).asText()).isEqualTo("tester");
        assertThat(hello.get("websocket").asBoolean()).isTrue();

        ws.sendText("hello there", true).get(5, TimeUnit.SECONDS);
        assertThat(c.next()).isEqualTo("hello there");
        byte[] payload = new byte[70_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        ws.sendBinary(ByteBuffer.wrap(payload), true).get(5, TimeUnit.SECONDS);
        assertThat((byte[]) c.next()).isEqualTo(payload);
        ws.sendText("part one, ", false).get(5, TimeUnit.SECONDS);
        ws.sendText("part two", true).get(5, TimeUnit.SECONDS);
        StringBuilder joined = new StringBuilder();
        while (joined.length() < "part one, part two".length()) {
            joined.append((String) c.next());
        }
        assertThat(joined.toString()).isEqualTo("part one, part two");

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        assertThat(echo.requests()).anySatisfy(r -> assertThat(r.get("path").asText()).isEqualTo("/ws?room=1"));
    }

    @Test
    void plainHttpStillAnswersOnTheSamePortAfterAWebSocket() throws Exception {
        Collector c = new Collector();
        WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + echo.port() + "/"), c).get(10, TimeUnit.SECONDS);
        assertThat(JSON.readTree((String) c.next()).get("path").asText()).isEqualTo("/");
        ws.abort();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + echo.port() + "/plain")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).has("websocket")).isFalse();
    }

    @Test
    void grpcEchoAnswersBothMethodsWithWhoAndMetadata() {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER), "acme");
        Struct req = Struct.newBuilder().putFields("q", Value.newBuilder().setStringValue("ping").build()).build();
        for (MethodDescriptor<Struct, Struct> m : new MethodDescriptor[] {EchoGrpc.ECHO, EchoGrpc.ECHO_TWO}) {
            Struct resp = ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(grpc,
                            MetadataUtils.newAttachHeadersInterceptor(md)), m,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), req);
            assertThat(resp.getFieldsOrThrow("name").getStringValue()).isEqualTo("chat-v1");
            assertThat(resp.getFieldsOrThrow("namespace").getStringValue()).isEqualTo("web");
            assertThat(resp.getFieldsOrThrow("method").getStringValue()).isEqualTo(m.getFullMethodName());
            assertThat(resp.getFieldsOrThrow("authority").getStringValue())
                    .isEqualTo("127.0.0.1:" + echo.grpcPort());
            assertThat(resp.getFieldsOrThrow("request").getStructValue()).isEqualTo(req);
            assertThat(resp.getFieldsOrThrow("metadata").getStructValue().getFieldsOrThrow("x-tenant")
                    .getListValue().getValues(0).getStringValue()).isEqualTo("acme");
        }
        assertThat(EchoGrpc.ECHO.getFullMethodName()).isEqualTo("lattice.echo.v1.Echo/Echo");
        assertThat(EchoGrpc.ECHO_TWO.getFullMethodName()).isEqualTo("lattice.echo.v1.Echo/EchoTwo");
    }

    @Test
    void unknownGrpcMethodIsUnimplemented() {
        MethodDescriptor<Struct, Struct> other = EchoGrpc.ECHO.toBuilder()
                .setFullMethodName("lattice.echo.v1.Echo/Nope").build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(grpc, other,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Struct.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void withoutGrpcPortThereIsNoGrpcServer() {
        try (EchoServer plain = EchoServer.start(0, "x", "y")) {
            assertThat(plain.grpcPort()).isEqualTo(-1);
        }
    }
}
