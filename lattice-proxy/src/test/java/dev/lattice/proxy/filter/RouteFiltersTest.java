package dev.lattice.proxy.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import dev.lattice.proxy.filter.headers.HeaderModifierFilter;
import dev.lattice.proxy.filter.redirect.RedirectFilter;
import dev.lattice.proxy.filter.rewrite.UrlRewriteFilter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The route filters' pure parts: prefix replacement, rewrites, redirect locations, header modifiers. */
class RouteFiltersTest {
    private static final PathMatch.Kind SEP = PathMatch.Kind.PATH_SEPARATED_PREFIX;

    @Test
    void prefixReplacementIsSegmentWise() {
        assertThat(PathPrefix.replace("/prefix", SEP, "/prefix", "/")).isEqualTo("/");
        assertThat(PathPrefix.replace("/prefix/", SEP, "/prefix", "/")).isEqualTo("/");
        assertThat(PathPrefix.replace("/prefix/foo", SEP, "/prefix", "/")).isEqualTo("/foo");
        assertThat(PathPrefix.replace("/prefix/", SEP, "/prefix", "/foo")).isEqualTo("/foo/");
        assertThat(PathPrefix.replace("/prefix/x/y", SEP, "/prefix", "/foo")).isEqualTo("/foo/x/y");
        assertThat(PathPrefix.replace("/prefix/x", SEP, "/prefix", "/foo/")).isEqualTo("/foo/x");
        assertThat(PathPrefix.replace("/prefix", SEP, "/prefix", "/foo")).isEqualTo("/foo");
        assertThat(PathPrefix.replace("/prefix/one/two", SEP, "/prefix/one", "/one")).isEqualTo("/one/two");
        assertThat(PathPrefix.replace("/prefix", SEP, "/prefix", "")).isEqualTo("/");
        // a "/" prefix is sent as a plain prefix
        assertThat(PathPrefix.replace("/a/b", PathMatch.Kind.PREFIX, "/", "/x")).isEqualTo("/x/a/b");
        assertThat(PathPrefix.replace("/a/b", PathMatch.Kind.PREFIX, "/", "/x/")).isEqualTo("/x/a/b");
        // an exact match replaces the whole path
        assertThat(PathPrefix.replace("/exact", PathMatch.Kind.EXACT, "/exact", "/other")).isEqualTo("/other");
    }

    @Test
    void rewriteKeepsTheQuery() {
        UrlRewriteFilter prefix = UrlRewriteFilter.of(new RouteAction.Rewrite("/v2", null, null, null), SEP, "/v1");
        assertThat(prefix.uri("/v1/items?a=1&b=2", 9)).isEqualTo("/v2/items?a=1&b=2");
        UrlRewriteFilter full = UrlRewriteFilter.of(new RouteAction.Rewrite(null, "^/.*$", "/replaced", null), SEP, "/any");
        assertThat(full.uri("/any/thing?q=1", 10)).isEqualTo("/replaced?q=1");
        UrlRewriteFilter groups = UrlRewriteFilter.of(new RouteAction.Rewrite(null, "^/(\\w+)/(\\w+)$", "/\\2/\\1", null),
                PathMatch.Kind.REGEX, "");
        assertThat(groups.uri("/a/b", 4)).isEqualTo("/b/a");
        UrlRewriteFilter dollar = UrlRewriteFilter.of(new RouteAction.Rewrite(null, "^/(\\w+)$", "/x$y\\1", null),
                PathMatch.Kind.REGEX, "");
        assertThat(dollar.uri("/a", 2)).as("a $ in the substitution is literal").isEqualTo("/x$ya");
        assertThat(UrlRewriteFilter.of(RouteAction.Rewrite.NONE, SEP, "/")).isNull();
    }

    @Test
    void locationFollowsTheContract() {
        String plain = "/some/path?x=1";
        int end = 10;
        // defaults: scheme and host of the request, port of the request (dropped when default), 302 elsewhere
        assertThat(loc(new RouteAction.Redirect(null, null, 0, null, null, 302), false, "a.example:8080", plain, end))
                .isEqualTo("http://a.example:8080/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect(null, null, 0, null, null, 302), false, "a.example:80", plain, end))
                .isEqualTo("http://a.example/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect("https", null, 443, null, null, 301), false, "a.example:8080", plain, end))
                .isEqualTo("https://a.example/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect("https", "b.example", 8443, null, null, 301), false, "a.example", plain, end))
                .isEqualTo("https://b.example:8443/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect(null, "b.example", 80, null, null, 301), false, "a.example:8080", plain, end))
                .isEqualTo("http://b.example/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect("http", null, 443, null, null, 301), true, "a.example", plain, end))
                .isEqualTo("http://a.example:443/some/path?x=1");
        assertThat(loc(new RouteAction.Redirect(null, null, 0, "/full", null, 307), true, "a.example", plain, end))
                .isEqualTo("https://a.example/full?x=1");
        assertThat(RedirectFilter.location(new RouteAction.Redirect(null, null, 80, null, "/new", 308), false, "a.example",
                "/some/path", 10, SEP, "/some")).isEqualTo("http://a.example/new/path");
        assertThat(RedirectFilter.location(new RouteAction.Redirect(null, null, 80, null, "/", 308), false, "a.example",
                "/some", 5, SEP, "/some")).isEqualTo("http://a.example/");
        assertThat(loc(new RouteAction.Redirect(null, null, 0, null, null, 302), false, "[::1]:8080", "/", 1))
                .isEqualTo("http://[::1]:8080/");
    }

    private static String loc(RouteAction.Redirect r, boolean secure, String host, String uri, int end) {
        return RedirectFilter.location(r, secure, host, uri, end, PathMatch.Kind.PREFIX, "/");
    }

    @Test
    void headerOpsSetAddRemoveCaseInsensitive() {
        HeaderMods m = new HeaderMods(List.of(new HeaderMods.Header("X-Set", "s")),
                List.of(new HeaderMods.Header("X-Add", "two"), new HeaderMods.Header("X-New", "n")), List.of("X-Gone"));
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("x-set", "old");
        h.add("X-ADD", "one");
        h.add("x-gone", "bye");
        h.add("keep", "k");
        HeaderModifierFilter.Ops.of(m).apply(h);
        assertThat(h.getAll("X-Set")).containsExactly("s");
        assertThat(h.getAll("x-add")).containsExactly("one,two");
        assertThat(h.getAll("x-new")).containsExactly("n");
        assertThat(h.contains("X-Gone")).isFalse();
        assertThat(h.get("keep")).isEqualTo("k");
        assertThat(HeaderModifierFilter.Ops.of(HeaderMods.NONE)).isNull();
        assertThat(HeaderModifierFilter.of(HeaderMods.NONE, HeaderMods.NONE)).as("a route without them pays nothing").isNull();
    }
}
