package dev.lattice.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterChainSelectorTest {
    record Chain(String name, List<String> names) {}

    static final Chain FOO = new Chain("foo", List.of("foo.example.com"));
    static final Chain WILD = new Chain("wild", List.of("*.example.com"));
    static final Chain DEEP = new Chain("deep", List.of("*.deep.example.com", "other.org"));
    static final Chain DEFAULT = new Chain("default", List.of());

    @Test
    void exactThenLongestWildcardThenDefault() {
        var s = new FilterChainSelector<>(List.of(WILD, DEFAULT, DEEP, FOO), Chain::names);
        assertThat(s.select("foo.example.com")).isEqualTo(FOO);
        assertThat(s.select("FOO.Example.com")).isEqualTo(FOO);
        assertThat(s.select("bar.example.com")).isEqualTo(WILD);
        assertThat(s.select("a.b.example.com")).isEqualTo(WILD);
        assertThat(s.select("x.deep.example.com")).isEqualTo(DEEP);
        assertThat(s.select("deep.example.com")).isEqualTo(WILD);
        assertThat(s.select("other.org")).isEqualTo(DEEP);
        assertThat(s.select("example.com")).isEqualTo(DEFAULT); // "*.example.com" needs a label before the suffix
        assertThat(s.select("unknown.net")).isEqualTo(DEFAULT);
        assertThat(s.select(null)).isEqualTo(DEFAULT);
        assertThat(s.select("")).isEqualTo(DEFAULT);
    }

    @Test
    void noDefaultMeansNoChain() {
        var s = new FilterChainSelector<>(List.of(FOO, WILD), Chain::names);
        assertThat(s.select("unknown.net")).isNull();
        assertThat(s.select(null)).isNull();
        assertThat(s.select("foo.example.com")).isEqualTo(FOO);
    }

    @Test
    void exactBeatsAWildcardListedFirst() {
        Chain wildFirst = new Chain("w", List.of("*.example.com"));
        Chain exact = new Chain("e", List.of("a.example.com"));
        var s = new FilterChainSelector<>(List.of(wildFirst, exact), Chain::names);
        assertThat(Map.of("a", s.select("a.example.com"), "b", s.select("b.example.com")))
                .containsEntry("a", exact).containsEntry("b", wildFirst);
    }
}
