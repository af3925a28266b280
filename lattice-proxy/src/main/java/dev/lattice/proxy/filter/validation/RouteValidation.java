package dev.lattice.proxy.filter.validation;

import dev.lattice.api.validation.v1.RequestValidationPerRoute;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.xds.XdsRejection;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * One route's compiled RequestValidationPolicy (immutable, shared by every stream of the route). Checks in this
 * order, the first failure answering: fail closed (the policy cannot be served), URI bytes (414), header bytes and
 * count (431), method (405 with {@code Allow}), media type (415), Content-Length over {@code maxBodyBytes} (413); then
 * the body is capped as it streams (413), and with a schema it is buffered (up to the cap) and checked before the
 * request goes upstream (400 {@code application/problem+json}).
 */
final class RouteValidation {
    /** The cap on a buffered body when the policy sets no maxBodyBytes. */
    static final int DEFAULT_BUFFER_LIMIT = 1024 * 1024;

    private final String policy;
    private final int maxUriBytes;
    private final int maxHeadersBytes;
    private final int maxHeaders;
    private final int maxBodyBytes;
    private final String[] methods;
    private final String[] contentTypes;
    private final BodyCheck body;
    private final LocalReply failClosed;
    private final LocalReply r405;
    private static final LocalReply R414 = LocalReply.of(414, "request URI too long");
    private static final LocalReply R431 = LocalReply.of(431, "request header fields too large");
    private static final LocalReply R415 = LocalReply.of(415, "unsupported media type");
    private static final LocalReply R413 = LocalReply.of(413, "request body too large");

    private RouteValidation(RequestValidationPerRoute c, BodyCheck body) {
        this.policy = c.getPolicy();
        this.maxUriBytes = c.getMaxUriBytes();
        this.maxHeadersBytes = c.getMaxHeadersBytes();
        this.maxHeaders = c.getMaxHeaders();
        this.maxBodyBytes = c.getMaxBodyBytes();
        this.methods = c.getMethodsList().toArray(String[]::new);
        this.contentTypes = c.getContentTypesList().stream().map(s -> s.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        this.body = body;
        this.failClosed = c.getFailClosedStatus() == 0 ? null
                : LocalReply.of(c.getFailClosedStatus(), c.getFailClosedReason().isEmpty() ? "request validation unavailable" : c.getFailClosedReason());
        if (methods.length > 0) {
            HttpHeaders h = new DefaultHttpHeaders();
            h.set(HttpHeaderNames.ALLOW, String.join(", ", c.getMethodsList()));
            byte[] text = "method not allowed\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            this.r405 = new LocalReply(405, text, "method not allowed", 0, h);
        } else {
            this.r405 = null;
        }
    }

    static RouteValidation compile(String resource, String path, RequestValidationPerRoute c) throws XdsRejection {
        for (int i = 0; i < c.getMethodsCount(); i++) {
            if (!c.getMethods(i).matches("[A-Z][A-Z-]*")) {
                throw new XdsRejection(resource, path + ".methods[" + i + "]: not an upper-case method: " + c.getMethods(i));
            }
        }
        if (c.getFailClosedStatus() != 0 && (c.getFailClosedStatus() < 400 || c.getFailClosedStatus() > 599)) {
            throw new XdsRejection(resource, path + ".fail_closed_status: must be 400..599, not " + c.getFailClosedStatus());
        }
        BodyCheck body = null;
        if (c.getFailClosedStatus() == 0) {
            try {
                body = switch (c.getBodyCase()) {
                    case JSON_SCHEMA -> JsonSchemaCheck.compile(c.getJsonSchema());
                    case OPENAPI -> OpenApiCheck.compile(c.getOpenapi());
                    case BODY_NOT_SET -> null;
                };
            } catch (IllegalArgumentException e) {
                String field = c.getBodyCase() == RequestValidationPerRoute.BodyCase.JSON_SCHEMA ? ".json_schema" : ".openapi";
                throw new XdsRejection(resource, path + field + ": " + e.getMessage());
            }
        }
        return new RouteValidation(c, body);
    }

    LocalReply onRequestHeaders(RequestView r) {
        if (failClosed != null) return failClosed;
        if (maxUriBytes > 0 && r.pathAndQuery().length() > maxUriBytes) return R414;
        if (maxHeaders > 0 && r.headerCount() > maxHeaders) return R431;
        if (maxHeadersBytes > 0 && r.headerBytes() > maxHeadersBytes) return R431;
        if (r405 != null && !allowed(r.method())) return r405;
        CharSequence cl = r.header("content-length");
        CharSequence te = r.header("transfer-encoding");
        long length = cl == null ? -1 : parseLength(cl);
        if (contentTypes.length > 0) {
            CharSequence ct = r.header("content-type");
            boolean hasBody = length > 0 || te != null;
            if (ct == null ? hasBody : !mediaTypeAllowed(ct)) return R415;
        }
        int cap = maxBodyBytes > 0 ? maxBodyBytes : body != null ? DEFAULT_BUFFER_LIMIT : 0;
        if (cap > 0) {
            if (length > cap) return R413;
            if (!r.limitBody(cap)) return R413;
        }
        if (body != null) {
            BodyCheck.Bound b = body.bind(r);
            if (b.reply() != null) return b.reply();
            if (b.check() != null) {
                r.bufferBody(b.check());
                return LocalReply.PAUSE;
            }
        }
        return null;
    }

    private boolean allowed(String method) {
        for (String m : methods) if (m.equals(method)) return true;
        return false;
    }

    private boolean mediaTypeAllowed(CharSequence ct) {
        String s = ct.toString();
        int semi = s.indexOf(';');
        String type = (semi < 0 ? s : s.substring(0, semi)).trim();
        for (String t : contentTypes) if (t.equalsIgnoreCase(type)) return true;
        return false;
    }

    private static long parseLength(CharSequence cl) {
        long n = 0;
        for (int i = 0; i < cl.length(); i++) {
            char c = cl.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
            if (n > Integer.MAX_VALUE) return Long.MAX_VALUE;
        }
        return cl.isEmpty() ? -1 : n;
    }

    String policy() {
        return policy;
    }

    /** Whether {@code ct} names JSON (application/json or a +json suffix). */
    static boolean isJson(CharSequence ct) {
        if (ct == null) return false;
        String s = ct.toString().toLowerCase(Locale.ROOT);
        int semi = s.indexOf(';');
        String type = (semi < 0 ? s : s.substring(0, semi)).trim();
        return type.equals("application/json") || type.endsWith("+json");
    }

    static List<ProblemJson.Violation> none() {
        return List.of();
    }
}
