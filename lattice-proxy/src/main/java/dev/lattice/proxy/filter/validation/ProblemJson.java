package dev.lattice.proxy.filter.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.proxy.filter.LocalReply;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * The 400 of a JSON violation, RFC 9457 {@code application/problem+json}:
 * {@code {"type":"about:blank","title":"Bad Request","status":400,"detail":"...","errors":[{"pointer":"/a/0","detail":"..."}]}},
 * each failing field named by a JSON Pointer (RFC 6901) into the body, or for a parameter
 * {@code {"parameter":"id","in":"path","detail":"..."}}.
 */
final class ProblemJson {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One failing field. */
    record Violation(String pointer, String parameter, String in, String detail) {
        static Violation body(String pointer, String detail) {
            return new Violation(pointer, null, null, detail);
        }

        static Violation param(String name, String in, String detail) {
            return new Violation(null, name, in, detail);
        }
    }

    private ProblemJson() {}

    static LocalReply badRequest(String detail, List<Violation> violations) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "about:blank");
        o.put("title", "Bad Request");
        o.put("status", 400);
        o.put("detail", detail);
        ArrayNode errors = o.putArray("errors");
        for (Violation v : violations) {
            ObjectNode e = errors.addObject();
            if (v.pointer() != null) e.put("pointer", v.pointer());
            if (v.parameter() != null) {
                e.put("parameter", v.parameter());
                e.put("in", v.in());
            }
            e.put("detail", v.detail());
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
        return new LocalReply(400, body, detail, 0, h);
    }
}
