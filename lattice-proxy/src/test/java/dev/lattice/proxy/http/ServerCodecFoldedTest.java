package dev.lattice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerCodec#folded}: a header section with a line that starts with a space or a tab (obsolete line folding,
 * RFC 9112 5.2) is found wherever it is and however the bytes arrived; anything after the empty line (the body) does
 * not count. Checked on fixed cases and against a byte-by-byte reference on random heads, whole and cut short.
 */
class ServerCodecFoldedTest {
    static boolean folded(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
        try {
            return ServerCodec.folded(b);
        } finally {
            b.release();
        }
    }

    /** The plain definition, one byte at a time. */
    static boolean reference(byte[] in) {
        int i = 0;
        while (i < in.length && (in[i] == '\r' || in[i] == '\n')) i++;
        boolean lineStart = true;
        for (; i < in.length; i++) {
            byte b = in[i];
            if (lineStart) {
                if (b == ' ' || b == '\t') return true;
                if (b == '\n' || (b == '\r' && i + 1 < in.length && in[i + 1] == '\n')) return false;
                lineStart = false;
            }
            if (b == '\n') lineStart = true;
        }
        return false;
    }

    @Test
    void fixedCases() {
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).isFalse();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n X-More: b\r\n\r\n")).isTrue();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n")).isTrue();
        assertThat(folded("GET / HTTP/1.1\nHost: a\n b\n\n")).isTrue();
        assertThat(folded("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")).isFalse();
        assertThat(folded(" GET / HTTP/1.1\r\n")).isTrue();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n\r\n body line\r\n")).as("after the head").isFalse();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a b\r\n")).as("a space inside a value").isFalse();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n")).as("incomplete, so far fine").isFalse();
        assertThat(folded("GET / HTTP/1.1\r\nHost: a\r\n ")).as("the fold's first byte has arrived").isTrue();
        assertThat(folded("")).isFalse();
    }

    @Test
    void agreesWithTheReferenceOnRandomHeads() {
        Random r = new Random(7);
        String alphabet = "ab: \t\r\n";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(60);
            for (int i = 0; i < len; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            ByteBuf b = Unpooled.buffer(bytes.length + 8);
            b.writeBytes(new byte[] {'x', 'x', 'x'}); // a reader index that is not 0
            b.readerIndex(3);
            b.writeBytes(bytes);
            try {
                assertThat(ServerCodec.folded(b)).as("%s", sb.toString().replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"))
                        .isEqualTo(reference(bytes));
            } finally {
                b.release();
            }
        }
    }
}
