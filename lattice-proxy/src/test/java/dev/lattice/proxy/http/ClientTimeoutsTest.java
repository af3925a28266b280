package dev.lattice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.ClientTraffic;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The request-head and idle timers of {@link ClientTimeouts}, on an EmbeddedChannel with its virtual clock. */
class ClientTimeoutsTest {
    private static final ClientTraffic TWO_S_HEAD_FIVE_S_IDLE = new ClientTraffic(2_000, 5_000, 100);

    /** Answers each complete request with a 200 (or a 101 for an Upgrade request). */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        private HttpRequest pending;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) pending = r;
            if (msg instanceof LastHttpContent && pending != null) {
                boolean upgrade = pending.headers().contains(HttpHeaderNames.UPGRADE);
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        upgrade ? HttpResponseStatus.SWITCHING_PROTOCOLS : HttpResponseStatus.OK);
                if (!upgrade) resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(resp);
                pending = null;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private static EmbeddedChannel channel(ClientTraffic config) {
        ClientTimeouts t = new ClientTimeouts(config);
        EmbeddedChannel ch = new EmbeddedChannel(t, new ServerCodec(ProtocolDetectHandler.SERVER_DECODER), t.http1(),
                new Answer());
        return ch;
    }

    private static void write(EmbeddedChannel ch, String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    private static String out(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aTrickledHeadIsAnswered408AndClosedAtTheTimeout() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        write(ch, "GET / HTTP/1.1\r\n");
        advance(ch, 1_000);
        write(ch, "host: a\r\n");
        advance(ch, 900);
        assertThat(ch.isOpen()).isTrue();
        assertThat(out(ch)).isEmpty();
        advance(ch, 200);
        assertThat(out(ch)).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aConnectionThatSendsNothingIsClosedSilentlyAtTheHeadTimeout() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        advance(ch, 1_990);
        assertThat(ch.isOpen()).isTrue();
        advance(ch, 20);
        assertThat(ch.isOpen()).isFalse();
        assertThat(out(ch)).isEmpty();
    }

    @Test
    void aKeepAliveConnectionIsServedThenClosedWhenIdle() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        write(ch, "GET / HTTP/1.1\r\nhost: a\r\n\r\n");
        assertThat(out(ch)).startsWith("HTTP/1.1 200 OK");
        // past the head timeout: no request has started, so only the idle timer runs
        advance(ch, 4_000);
        assertThat(ch.isOpen()).isTrue();
        write(ch, "GET /2 HTTP/1.1\r\nhost: a\r\n\r\n");
        assertThat(out(ch)).startsWith("HTTP/1.1 200 OK");
        advance(ch, 4_900);
        assertThat(ch.isOpen()).isTrue();
        advance(ch, 200);
        assertThat(ch.isOpen()).isFalse();
        assertThat(out(ch)).isEmpty();
    }

    @Test
    void theNextRequestsHeadIsTimedFromItsFirstByte() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        write(ch, "GET / HTTP/1.1\r\nhost: a\r\n\r\n");
        assertThat(out(ch)).startsWith("HTTP/1.1 200 OK");
        advance(ch, 3_000);
        write(ch, "GET /slow HTTP/1.1\r\n");
        advance(ch, 1_900);
        assertThat(ch.isOpen()).isTrue();
        advance(ch, 200);
        assertThat(out(ch)).startsWith("HTTP/1.1 408 ");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aRequestInFlightIsNotIdle() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        // the head is complete, the body never ends: the request is in flight, neither timer applies
        write(ch, "POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\nab");
        advance(ch, 60_000);
        assertThat(ch.isOpen()).isTrue();
        write(ch, "cdefghij");
        assertThat(out(ch)).startsWith("HTTP/1.1 200 OK");
        advance(ch, 5_100);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void anUpgradedConnectionIsATunnelWithoutTimers() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        write(ch, "GET /ws HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
        assertThat(out(ch)).startsWith("HTTP/1.1 101 ");
        advance(ch, 3_600_000);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void zeroDisablesATimer() {
        EmbeddedChannel ch = channel(new ClientTraffic(0, 0, 100));
        write(ch, "GET / HTTP/1.1\r\n");
        advance(ch, 24 * 3_600_000L);
        assertThat(ch.isOpen()).isTrue();
        EmbeddedChannel idleOnly = channel(new ClientTraffic(0, 5_000, 100));
        write(idleOnly, "GET / HTTP/1.1\r\n");
        advance(idleOnly, 4_900);
        assertThat(idleOnly.isOpen()).isTrue();
        advance(idleOnly, 200);
        assertThat(idleOnly.isOpen()).as("a head in progress is no request in flight: the idle timer ends it").isFalse();
    }

    @Test
    void theDefaultsAreTenSecondsForTheHeadAndAnHourIdle() {
        EmbeddedChannel ch = channel(ClientTraffic.DEFAULTS);
        write(ch, "GET / HTTP/1.1\r\n");
        advance(ch, 9_900);
        assertThat(ch.isOpen()).isTrue();
        advance(ch, 200);
        assertThat(ch.isOpen()).isFalse();
        EmbeddedChannel idle = channel(ClientTraffic.DEFAULTS);
        write(idle, "GET / HTTP/1.1\r\nhost: a\r\n\r\n");
        out(idle);
        advance(idle, 3_599_000);
        assertThat(idle.isOpen()).isTrue();
        advance(idle, 2_000);
        assertThat(idle.isOpen()).isFalse();
    }

    @Test
    void aBusyKeepAliveConnectionSchedulesNoTimerPerRequest() {
        EmbeddedChannel ch = channel(TWO_S_HEAD_FIVE_S_IDLE);
        for (int i = 0; i < 1000; i++) {
            write(ch, "GET / HTTP/1.1\r\nhost: a\r\n\r\n");
            assertThat(out(ch)).startsWith("HTTP/1.1 200 OK");
        }
        // one task for both timers, armed at the connection's start: nothing per request
        assertThat(pendingTasks(ch)).isEqualTo(1);
    }

    private static int pendingTasks(EmbeddedChannel ch) {
        try {
            var q = io.netty.util.concurrent.AbstractScheduledEventExecutor.class.getDeclaredField("scheduledTaskQueue");
            q.setAccessible(true);
            return ((java.util.Collection<?>) q.get(ch.eventLoop())).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
