package dev.lattice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The downstream HTTP/1.1 codec: Netty's request decoder and response encoder, as {@code HttpServerCodec} pairs them
 * (a response to HEAD has no body; a 2xx to CONNECT no Transfer-Encoding), plus what RFC 9112 requires of a server
 * and Netty's decoder does not do: a header section with obsolete line folding (a field line starting with a space or
 * a tab, section 5.2) is a bad request, decoded as a request whose {@code decoderResult} failed, so the connection
 * manager answers {@code 400} and closes. Netty's own decoder unfolds such lines silently, which lets a proxy and the
 * app behind it read different headers out of the same bytes.
 */
final class ServerCodec extends CombinedChannelDuplexHandler<ServerCodec.Decoder, ServerCodec.Encoder> {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

    ServerCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    final class Decoder extends HttpRequestDecoder {
        /** True while the next bytes belong to a request's start line or header section. */
        private boolean inHead = true;
        private boolean broken;

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (broken) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (inHead && folded(in)) {
                broken = true;
                in.skipBytes(in.readableBytes());
                DefaultFullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                        Unpooled.EMPTY_BUFFER);
                bad.setDecoderResult(DecoderResult.failure(
                        new IllegalArgumentException("obsolete line folding in the header section (RFC 9112 5.2)")));
                methods.add(HttpMethod.GET);
                out.add(bad);
                return;
            }
            int from = out.size();
            super.decode(ctx, in, out);
            for (int i = from, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest r) {
                    methods.add(r.method());
                    inHead = false;
                }
                if (o instanceof LastHttpContent) inHead = true;
            }
        }
    }

    /**
     * Whether the unread head bytes hold a line that starts with a space or a tab before the end of the header section.
     * Netty's decoder consumes whole lines only, so the reader index is always at the start of a line; leading empty
     * lines before a request line are skipped as the decoder skips them.
     */
    static boolean folded(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) i++;
        // one look at the first byte of each line; the line ends are found by ByteBuf.indexOf (SWAR), not byte by byte
        while (i < end) {
            byte b = in.getByte(i);
            if (b == ' ' || b == '\t') return true;
            if (b == '\n' || (b == '\r' && i + 1 < end && in.getByte(i + 1) == '\n')) return false; // the empty line
            int nl = in.indexOf(i, end, (byte) '\n');
            if (nl < 0) return false;
            i = nl + 1;
        }
        return false;
    }

    final class Encoder extends HttpResponseEncoder {
        private HttpMethod method;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            // an interim response (1xx but 101) is not the answer to the request: the request's method stays queued
            int code = msg.status().code();
            if (code >= 100 && code < 200 && code != 101) return true;
            method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method)
                    && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}
