package dev.lattice.proxy.http;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.direct;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The connection manager's body cap ({@link RequestView#limitBody}) and body buffering ({@link RequestView#bufferBody})
 * on an EmbeddedChannel, with header counts ({@link RequestView#headerCount}, {@link RequestView#headerBytes}).
 */
class BodyBufferingTest {
    private final ProxyMetrics metrics = new ProxyMetrics();

    /** Caps every body at {@code cap}, buffers it, and answers 400 when it contains "bad" (else lets it go on). */
    static final class BufferingFilter implements HttpFilter {
        final long cap;
        final List<String> bodies = new CopyOnWriteArrayList<>();
        final List<String> heads = new CopyOnWriteArrayList<>();

        BufferingFilter(long cap) {
            this.cap = cap;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView r) {
            heads.add(r.method() + " " + r.path() + " headers=" + r.headerCount() + " bytes=" + r.headerBytes());
            if (!r.limitBody(cap)) return LocalReply.of(413, "already too large");
            r.bufferBody(body -> {
                String s = body.toString(StandardCharsets.UTF_8);
                bodies.add(s);
                return s.contains("bad") ? LocalReply.of(400, "bad body") : null;
            });
            return LocalReply.PAUSE;
        }
    }

    private EmbeddedChannel channel(HttpFilter... filters) {
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("direct", "\"prefix\": \"/direct\"", direct(201, "hello"))));
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(bootstrap(List.of(l), List.of()), "test"), null, metrics);
        ListenerSlot slot = new ListenerSlot("127.0.0.1:0#gw", rc.listener("127.0.0.1:0#gw"), NioSocketChannel.class,
                metrics.downstreamActive("gw"));
        slot.current.httpFilters = filters;
        slot.current.httpFilterNames = java.util.stream.IntStream.range(0, filters.length).mapToObj(i -> "f" + i).toArray(String[]::new);
        TelemetryHandler telemetry = new TelemetryHandler();
        EmbeddedChannel ch = new EmbeddedChannel(new ServerCodec(ProtocolDetectHandler.SERVER_DECODER), telemetry,
                new DownstreamHandler(slot, false, telemetry));
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        return ch;
    }

    private static String send(EmbeddedChannel ch, String bytes) {
        ch.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        return drain(ch);
    }

    private static String drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aBufferedBodyArrivesWholeAcrossChunksWhileReadingGoesOn() {
        BufferingFilter f = new BufferingFilter(100);
        EmbeddedChannel ch = channel(f);
        assertThat(send(ch, "POST /direct/a HTTP/1.1\r\nHost: books.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")).isEmpty();
        assertThat(ch.config().isAutoRead()).as("reading goes on while the body is buffered").isTrue();
        assertThat(f.bodies).isEmpty();
        assertThat(send(ch, "6\r\n world\r\n0\r\n\r\n")).startsWith("HTTP/1.1 201 ").endsWith("hello");
        assertThat(f.bodies).containsExactly("hello world");
        // a body the callback refuses is answered, the connection goes on
        assertThat(send(ch, "POST /direct/b HTTP/1.1\r\nHost: books.example\r\nContent-Length: 7\r\n\r\nbad one"))
                .startsWith("HTTP/1.1 400 ").contains("bad body");
        // a request without a body is handed an empty one at once
        assertThat(send(ch, "GET /direct/c HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 201 ");
        assertThat(f.bodies).containsExactly("hello world", "bad one", "");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsWaitBehindABufferedOneInOrder() {
        BufferingFilter f = new BufferingFilter(100);
        EmbeddedChannel ch = channel(f);
        String both = send(ch, "POST /direct/1 HTTP/1.1\r\nHost: books.example\r\nContent-Length: 3\r\n\r\nbad"
                + "POST /direct/2 HTTP/1.1\r\nHost: books.example\r\nContent-Length: 2\r\n\r\nok");
        assertThat(both).startsWith("HTTP/1.1 400 ");
        assertThat(both.indexOf("HTTP/1.1 201 ")).isGreaterThan(0);
        assertThat(f.bodies).containsExactly("bad", "ok");
        ch.finishAndReleaseAll();
    }

    @Test
    void aBufferedBodyCrossingTheCapIs413AndClosesWithoutTheCallback() {
        BufferingFilter f = new BufferingFilter(8);
        EmbeddedChannel ch = channel(f);
        assertThat(send(ch, "POST /direct/a HTTP/1.1\r\nHost: books.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n")).isEmpty();
        String r = send(ch, "5\r\n67890\r\n");
        assertThat(r).startsWith("HTTP/1.1 413 ").contains("connection: close");
        assertThat(f.bodies).isEmpty();
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aCappedBodyThatIsNotBufferedStreamsAndIs413WhenItCrossesTheCap() {
        HttpFilter capOnly = r -> r.limitBody(4) ? null : LocalReply.of(413, "x");
        PauseThen pause = new PauseThen();
        EmbeddedChannel ch = channel(capOnly, pause);
        // under the cap: answered by the route
        assertThat(send(ch, "POST /direct/a HTTP/1.1\r\nHost: books.example\r\nContent-Length: 4\r\n\r\n1234")).isEmpty();
        pause.last.proceed();
        assertThat(drain(ch)).startsWith("HTTP/1.1 201 ");
        // over it while a later filter holds the request: 413, and its late decision does nothing
        assertThat(send(ch, "POST /direct/b HTTP/1.1\r\nHost: books.example\r\nContent-Length: 6\r\n\r\n")).isEmpty();
        ch.config().setAutoRead(true);
        assertThat(send(ch, "123456")).startsWith("HTTP/1.1 413 ");
        pause.last.proceed();
        assertThat(drain(ch)).isEmpty();
        ch.finishAndReleaseAll();
    }

    /** Pauses each request and keeps its handle. */
    static final class PauseThen implements HttpFilter {
        volatile dev.lattice.proxy.filter.FilterCallbacks last;

        @Override
        public LocalReply onRequestHeaders(RequestView r) {
            last = r.pause();
            return LocalReply.PAUSE;
        }
    }

    @Test
    void aClientThatExpects100ContinueGetsItBeforeItsBodyIsBuffered() {
        BufferingFilter f = new BufferingFilter(100);
        EmbeddedChannel ch = channel(f);
        String first = send(ch, "POST /direct/e HTTP/1.1\r\nHost: books.example\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        assertThat(first).startsWith("HTTP/1.1 100 Continue");
        String r = send(ch, "hello");
        assertThat(r).startsWith("HTTP/1.1 201 ").doesNotContain("100 Continue");
        assertThat(f.bodies).containsExactly("hello");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void headerCountsAreThoseTheCodecDecoded() {
        BufferingFilter f = new BufferingFilter(100);
        EmbeddedChannel ch = channel(f);
        send(ch, "GET /direct/h HTTP/1.1\r\nHost: books.example\r\nX-A: 1\r\nX-A: 22\r\n\r\n");
        // Host: books.example (4 + 13), X-A: 1 (3 + 1), X-A: 22 (3 + 2)
        assertThat(f.heads).containsExactly("GET /direct/h headers=3 bytes=26");
        ch.finishAndReleaseAll();
    }
}
