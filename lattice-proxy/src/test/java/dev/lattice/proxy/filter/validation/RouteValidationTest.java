package dev.lattice.proxy.filter.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lattice.api.validation.v1.RequestValidationPerRoute;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.StaticRequest;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One route's compiled RequestValidationPolicy on requests given by value: each check, the problem body, OpenAPI. */
class RouteValidationTest {
    /** A request by value that records the body cap and the buffering callback the filter asks for. */
    static final class Req implements RequestView {
        final StaticRequest r;
        final int headerCount;
        final long headerBytes;
        long cap = -1;
        BodyCallback callback;

        Req(String method, String uri, Map<String, String> headers) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.putIfAbsent("host", "x");
            this.r = new StaticRequest(method, uri, "x", 80, InetAddress.getLoopbackAddress(), null, null, h);
            this.headerCount = h.size();
            this.headerBytes = h.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
        }

        @Override public String method() { return r.method(); }
        @Override public String path() { return r.path(); }
        @Override public String pathAndQuery() { return r.pathAndQuery(); }
        @Override public String authority() { return r.authority(); }
        @Override public int destinationPort() { return 80; }
        @Override public InetAddress directRemoteAddress() { return r.directRemoteAddress(); }
        @Override public InetAddress remoteAddress() { return r.remoteAddress(); }
        @Override public String principal() { return null; }
        @Override public String requestedServerName() { return null; }
        @Override public CharSequence header(String name) { return r.header(name); }
        @Override public int headerCount() { return headerCount; }
        @Override public long headerBytes() { return headerBytes; }

        @Override
        public boolean limitBody(long maxBytes) {
            cap = maxBytes;
            return true;
        }

        @Override
        public void bufferBody(BodyCallback cb) {
            callback = cb;
        }

        LocalReply body(String json) {
            return callback.onBody(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        }
    }

    static RouteValidation compile(RequestValidationPerRoute.Builder b) throws Exception {
        return RouteValidation.compile("route r", "typed_per_filter_config", b.setPolicy("RequestValidationPolicy/default/p").build());
    }

    static String text(LocalReply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void limitsMethodsAndMediaTypesAnswerInOrder() throws Exception {
        RouteValidation v = compile(RequestValidationPerRoute.newBuilder().setMaxUriBytes(10).setMaxHeaders(3)
                .setMaxHeadersBytes(120).setMaxBodyBytes(100).addAllMethods(List.of("GET", "POST")).addContentTypes("application/json"));
        assertThat(v.onRequestHeaders(new Req("GET", "/ok", Map.of()))).isNull();
        assertThat(v.onRequestHeaders(new Req("GET", "/0123456789", Map.of())).status()).isEqualTo(414);
        assertThat(v.onRequestHeaders(new Req("GET", "/ok", Map.of("a", "1", "b", "2", "c", "3"))).status()).isEqualTo(431);
        assertThat(v.onRequestHeaders(new Req("GET", "/ok", Map.of("a", "x".repeat(120)))).status()).isEqualTo(431);
        LocalReply r405 = v.onRequestHeaders(new Req("PUT", "/ok", Map.of()));
        assertThat(r405.status()).isEqualTo(405);
        assertThat(r405.headers().get("allow")).isEqualTo("GET, POST");
        assertThat(v.onRequestHeaders(new Req("POST", "/ok", Map.of("content-type", "text/plain", "content-length", "2"))).status()).isEqualTo(415);
        assertThat(v.onRequestHeaders(new Req("POST", "/ok", Map.of("content-length", "2"))).status()).as("a body without a type").isEqualTo(415);
        assertThat(v.onRequestHeaders(new Req("POST", "/ok", Map.of("content-type", "Application/JSON; charset=utf-8", "content-length", "2")))).isNull();
        assertThat(v.onRequestHeaders(new Req("POST", "/ok", Map.of("content-type", "application/json", "content-length", "101"))).status()).isEqualTo(413);
        Req streamed = new Req("POST", "/ok", Map.of("content-type", "application/json", "transfer-encoding", "chunked"));
        assertThat(v.onRequestHeaders(streamed)).isNull();
        assertThat(streamed.cap).as("capped as it streams").isEqualTo(100);
        assertThat(streamed.callback).as("no schema: nothing buffered").isNull();
    }

    @Test
    void aSchemaViolationIsAProblemNamingEachFieldByJsonPointer() throws Exception {
        RouteValidation v = compile(RequestValidationPerRoute.newBuilder().setJsonSchema("""
                {"type":"object","required":["id"],"properties":{"items":{"type":"array","items":{"type":"object",
                 "required":["price"],"properties":{"price":{"type":"number","minimum":0}}}}}}"""));
        Req r = new Req("POST", "/orders", Map.of("content-type", "application/json", "content-length", "40"));
        assertThat(v.onRequestHeaders(r)).isSameAs(LocalReply.PAUSE);
        assertThat(r.cap).as("buffered up to the default cap").isEqualTo(RouteValidation.DEFAULT_BUFFER_LIMIT);
        assertThat(r.body("{\"id\":1,\"items\":[]}")).isNull();
        LocalReply bad = r.body("{\"items\":[{\"price\":-1},{}]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.headers().get("content-type")).isEqualTo("application/problem+json");
        assertThat(text(bad)).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
                + "\"detail\":\"the request body does not match the schema\",\"errors\":["
                + "{\"pointer\":\"/items/0/price\",\"detail\":\"must have a minimum value of 0\"},"
                + "{\"pointer\":\"/items/1/price\",\"detail\":\"required property 'price' not found\"},"
                + "{\"pointer\":\"/id\",\"detail\":\"required property 'id' not found\"}]}");
        assertThat(text(r.body("{nope"))).contains("\"detail\":\"the request body is not JSON\"", "\"pointer\":\"\"");
        assertThat(r.body("")).as("no body: not checked").isNull();
    }

    @Test
    void openApiChecksTheOperationsParametersAndBody() throws Exception {
        RouteValidation v = compile(RequestValidationPerRoute.newBuilder().setOpenapi("""
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /pets/mine:
                    get: {responses: {"200": {description: ok}}}
                  /pets/{id}:
                    parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
                    get:
                      parameters: [{name: limit, in: query, required: true, schema: {type: integer, maximum: 10}}]
                      responses: {"200": {description: ok}}
                    post:
                      requestBody:
                        content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
                      responses: {"200": {description: ok}}
                components:
                  schemas:
                    Pet: {type: object, required: [name], properties: {name: {type: string}}}
                """));
        assertThat(v.onRequestHeaders(new Req("GET", "/pets/mine", Map.of()))).as("the literal template wins").isNull();
        assertThat(v.onRequestHeaders(new Req("GET", "/pets/3?limit=5", Map.of()))).isNull();
        LocalReply params = v.onRequestHeaders(new Req("GET", "/pets/0?limit=50", Map.of()));
        assertThat(params.status()).isEqualTo(400);
        assertThat(text(params)).contains("{\"parameter\":\"id\",\"in\":\"path\"", "{\"parameter\":\"limit\",\"in\":\"query\"");
        assertThat(text(v.onRequestHeaders(new Req("GET", "/pets/3", Map.of())))).contains("{\"parameter\":\"limit\",\"in\":\"query\",\"detail\":\"required\"}");
        assertThat(v.onRequestHeaders(new Req("GET", "/cats", Map.of())).status()).isEqualTo(404);
        assertThat(v.onRequestHeaders(new Req("DELETE", "/pets/3", Map.of())).status()).isEqualTo(405);
        Req post = new Req("POST", "/pets/3", Map.of("content-type", "application/json", "content-length", "2"));
        assertThat(v.onRequestHeaders(post)).isSameAs(LocalReply.PAUSE);
        assertThat(text(post.body("{}"))).contains("{\"pointer\":\"/name\"");
        assertThat(post.body("{\"name\":\"rex\"}")).isNull();
    }

    @Test
    void aSchemaThatDoesNotCompileRejectsTheConfigByItsField() {
        assertThatThrownBy(() -> compile(RequestValidationPerRoute.newBuilder().setJsonSchema("{\"type\": 5}")))
                .hasMessageContaining("typed_per_filter_config.json_schema: the JSON Schema does not compile");
        assertThatThrownBy(() -> compile(RequestValidationPerRoute.newBuilder().setOpenapi("openapi: 2.0\npaths: {}")))
                .hasMessageContaining("typed_per_filter_config.openapi: openapi must be 3.0.x or 3.1.x");
    }

    @Test
    void aFailedClosedPolicyAnswersEveryRequest() throws Exception {
        RouteValidation v = compile(RequestValidationPerRoute.newBuilder().setFailClosedStatus(503).setFailClosedReason("unavailable"));
        assertThat(v.onRequestHeaders(new Req("GET", "/", Map.of())).status()).isEqualTo(503);
    }
}
