package dev.lattice.proxy.router;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.direct;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.listener.CompiledListener;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static CompiledListener compile(boolean strip, String... vhosts) {
        var config = BootstrapLoader.parse(bootstrap(List.of(listener("l", 0, strip, vhosts)), List.of()), "test");
        return RuntimeConfig.compile(config, null, new ProxyMetrics()).listener("127.0.0.1:0#l");
    }

    private static String vhostFor(CompiledListener l, String host) {
        CompiledListener.Vhost v = l.selectVhost(l.normaliseHost(host));
        return v == null ? null : v.name();
    }

    @Test
    void virtualHostSelectionFollowsEnvoyOrder() {
        String any = route("r", "\"prefix\": \"/\"", direct(200, "x"));
        CompiledListener l = compile(false,
                vhost("exact", List.of("api.example.com"), any),
                vhost("suffix-long", List.of("*.api.example.com"), any),
                vhost("suffix", List.of("*.example.com"), any),
                vhost("prefix", List.of("api.*"), any),
                vhost("prefix-long", List.of("api.example.*"), any),
                vhost("port", List.of("reviews.default:9080"), any),
                vhost("star", List.of("*"), any));
        assertThat(vhostFor(l, "api.example.com")).isEqualTo("exact");
        assertThat(vhostFor(l, "API.Example.COM")).isEqualTo("exact");
        assertThat(vhostFor(l, "v1.api.example.com")).isEqualTo("suffix-long");
        assertThat(vhostFor(l, "www.example.com")).isEqualTo("suffix");
        assertThat(vhostFor(l, "api.example.org")).isEqualTo("prefix-long");
        assertThat(vhostFor(l, "api.foo")).isEqualTo("prefix");
        assertThat(vhostFor(l, "reviews.default:9080")).isEqualTo("port");
        assertThat(vhostFor(l, "reviews.default")).isEqualTo("star");
        // without strip_any_host_port the port is part of the host
        assertThat(vhostFor(l, "api.example.com:8080")).isEqualTo("prefix-long");
        assertThat(vhostFor(l, "example.com")).isEqualTo("star");
    }

    @Test
    void stripAnyHostPortRemovesThePort() {
        String any = route("r", "\"prefix\": \"/\"", direct(200, "x"));
        CompiledListener l = compile(true, vhost("exact", List.of("bookstore.example"), any));
        assertThat(vhostFor(l, "bookstore.example:8080")).isEqualTo("exact");
        assertThat(vhostFor(l, "bookstore.example")).isEqualTo("exact");
        assertThat(vhostFor(l, "other.example:8080")).isNull();
        assertThat(CompiledListener.stripPort("[::1]:80")).isEqualTo("[::1]");
    }

    private static String match(CompiledListener l, String method, String uri, String... headers) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        int q = uri.indexOf('?');
        CompiledRoute r = CompiledListener.match(l.selectVhost("h"), method, uri, q < 0 ? uri.length() : q, "h", h);
        return r == null ? null : r.config.name();
    }

    @Test
    void pathMatchesOnThePathWithoutQuery() {
        CompiledListener l = compile(false, vhost("v", List.of("*"),
                route("exact", "\"path\": \"/books\"", direct(200, "")),
                route("sep", "\"path_separated_prefix\": \"/api\"", direct(200, "")),
                route("regex", "\"safe_regex\": {\"regex\": \"/items/[0-9]+\"}", direct(200, "")),
                route("prefix", "\"prefix\": \"/static\"", direct(200, ""))));
        assertThat(match(l, "GET", "/books")).isEqualTo("exact");
        assertThat(match(l, "GET", "/books?x=1")).isEqualTo("exact");
        assertThat(match(l, "GET", "/books/1")).isNull();
        assertThat(match(l, "GET", "/api")).isEqualTo("sep");
        assertThat(match(l, "GET", "/api/v1")).isEqualTo("sep");
        assertThat(match(l, "GET", "/api?x")).isEqualTo("sep");
        assertThat(match(l, "GET", "/apiv1")).isNull();
        assertThat(match(l, "GET", "/items/42")).isEqualTo("regex");
        assertThat(match(l, "GET", "/items/42?y=2")).isEqualTo("regex");
        assertThat(match(l, "GET", "/items/42x")).isNull();
        assertThat(match(l, "GET", "/staticfoo")).isEqualTo("prefix");
        assertThat(match(l, "GET", "/stat?ic")).isNull();
    }

    @Test
    void headerMethodAndQueryMatchers() {
        CompiledListener l = compile(false, vhost("v", List.of("*"),
                route("post", "\"prefix\": \"/\", \"headers\": [{\"name\": \":method\", \"string_match\": {\"exact\": \"POST\"}}]",
                        direct(200, "")),
                route("header", "\"prefix\": \"/\", \"headers\": [{\"name\": \"X-Version\", \"string_match\": {\"exact\": \"v2\"}},"
                        + " {\"name\": \"x-user\", \"string_match\": {\"safe_regex\": {\"regex\": \"jas.*\"}}}]", direct(200, "")),
                route("query", "\"prefix\": \"/\", \"query_parameters\": [{\"name\": \"env\", \"string_match\": {\"exact\": \"canary\"}}]",
                        direct(200, "")),
                route("fallback", "\"prefix\": \"/\"", direct(200, ""))));
        assertThat(match(l, "POST", "/x")).isEqualTo("post");
        assertThat(match(l, "GET", "/x", "x-version", "v2", "X-User", "jason")).isEqualTo("header");
        assertThat(match(l, "GET", "/x", "x-version", "v2")).isEqualTo("fallback");
        assertThat(match(l, "GET", "/x", "x-version", "v3", "x-user", "jason")).isEqualTo("fallback");
        assertThat(match(l, "GET", "/x?a=1&env=canary")).isEqualTo("query");
        assertThat(match(l, "GET", "/x?env=canaryx")).isEqualTo("fallback");
        assertThat(match(l, "GET", "/x?env=can%61ry")).isEqualTo("query");
        assertThat(match(l, "GET", "/x")).isEqualTo("fallback");
    }

    @Test
    void firstMatchingRouteWins() {
        CompiledListener l = compile(false, vhost("v", List.of("*"),
                route("first", "\"prefix\": \"/a\"", direct(200, "")),
                route("second", "\"path\": \"/a/b\"", direct(200, ""))));
        assertThat(match(l, "GET", "/a/b")).isEqualTo("first");
    }
}
