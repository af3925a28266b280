package dev.lattice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.config.PathMatch;
import dev.lattice.proxy.config.RouteAction;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteFiltersTest {
    private static final PathMatch.Kind SEP = PathMatch.Kind.PATH_SEPARATED_PREFIX;

    @Test
    void prefixReplacementIsSegmentWise() {
        assertThat(RouteFilters.replacePrefix("/prefix", SEP, "/prefix", "/")).isEqualTo("/");
        assertThat(RouteFilters.replacePrefix("/prefix/", SEP, "/prefix", "/")).isEqualTo("/");
        assertThat(RouteFilters.replacePrefix("/prefix/foo", SEP, "/prefix", "/")).isEqualTo("/foo");
        assertThat(RouteFilters.replacePrefix("/prefix/", SEP, "/prefix", "/foo")).isEqualTo("/foo/");
        assertThat(RouteFilters.replacePrefix("/prefix/x/y", SEP, "/prefix", "/foo")).isEqualTo("/foo/x/y");
        assertThat(RouteFilters.replacePrefix("/prefix/x", SEP, "/prefix", "/foo/")).isEqualTo("/foo/x");
        assertThat(RouteFilters.replacePrefix("/prefix", SEP, "/prefix", "/foo")).isEqualTo("/foo");
        assertThat(RouteFilters.replacePrefix("/prefix/one/two", SEP, "/prefix/one", "/one")).isEqualTo("/one/two");
        assertThat(RouteFilters.replacePrefix("/prefix", SEP, "/prefix", "")).isEqualTo("/");
        // a "/" prefix is sent as a plain prefix
        assertThat(RouteFilters.replacePrefix("/a/b", PathMatch.Kind.PREFIX, "/", "/x")).isEqualTo("/x/a/b");
        assertThat(RouteFilters.replacePrefix("/a/b", PathMatch.Kind.PREFIX, "/", "/x/")).isEqualTo("/x/a/b");
        // an exact match replaces the whole path
        assertThat(RouteFilters.replacePrefix("/exact", PathMatch.Kind.EXACT, "/exact", "/other")).isEqualTo("/other");
    }

    @Test
    void rewriteKeepsTheQuery() {
        RouteFilters.Rewrite prefix = new RouteFilters.Rewrite(new RouteAction.Rewrite("/v2", null, null, null));
        assertThat(prefix.uri("/v1/items?a=1&b=2", 9, SEP, "/v1")).isEqualTo("/v2/items?a=1&b=2");
        RouteFilters.Rewrite full = new RouteFilters.Rewrite(new RouteAction.Rewrite(null, "^/.*$", "/replaced", null));
        assertThat(full.uri("/any/thing?q=1", 10, SEP, "/any")).isEqualTo("/replaced?q=1");
        RouteFilters.Rewrite groups = new RouteFilters.Rewrite(new RouteAction.Rewrite(null, "^/(\\w+)/(\\w+)$", "/\\2/\\1", null));
        assertThat(groups.uri("/a/b", 4, PathMatch.Kind.REGEX, "")).isEqualTo("/b/a");
        assertThat(RouteFilters.javaReplacement("/x$y\\1")).isEqualTo("/x\\$y$1");
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
        assertThat(RouteFilters.location(new RouteAction.Redirect(null, null, 80, null, "/new", 308), false, "a.example",
                "/some/path", 10, SEP, "/some")).isEqualTo("http://a.example/new/path");
        assertThat(RouteFilters.location(new RouteAction.Redirect(null, null, 80, null, "/", 308), false, "a.example",
                "/some", 5, SEP, "/some")).isEqualTo("http://a.example/");
        assertThat(loc(new RouteAction.Redirect(null, null, 0, null, null, 302), false, "[::1]:8080", "/", 1))
                .isEqualTo("http://[::1]:8080/");
    }

    private static String loc(RouteAction.Redirect r, boolean secure, String host, String uri, int end) {
        return RouteFilters.location(r, secure, host, uri, end, PathMatch.Kind.PREFIX, "/");
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
        RouteFilters.HeaderOps.of(m).apply(h);
        assertThat(h.getAll("X-Set")).containsExactly("s");
        assertThat(h.getAll("x-add")).containsExactly("one,two");
        assertThat(h.getAll("x-new")).containsExactly("n");
        assertThat(h.contains("X-Gone")).isFalse();
        assertThat(h.get("keep")).isEqualTo("k");
        assertThat(RouteFilters.HeaderOps.of(HeaderMods.NONE)).isNull();
    }
}
