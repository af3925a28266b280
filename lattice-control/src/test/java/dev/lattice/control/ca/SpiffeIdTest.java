package dev.lattice.control.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpiffeIdTest {
    @Test
    void parsesAndPrintsAsTheSpecSays() {
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(id.trustDomain()).isEqualTo("cluster.local");
        assertThat(id.path()).isEqualTo("/ns/shop/sa/reviews");
        assertThat(id).isEqualTo(SpiffeId.forWorkload("cluster.local", "shop", "reviews"));
        assertThat(id.toString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(SpiffeId.parse("spiffe://example.org").path()).isEmpty();
    }

    @Test
    void refusesWhatTheSpecForbids() {
        for (String bad : new String[] {"http://cluster.local/ns/a", "SPIFFE://cluster.local/a", "spiffe://Cluster.local/a",
                "spiffe://cluster.local:8080/a", "spiffe://u@cluster.local/a", "spiffe://cluster.local/a?q",
                "spiffe://cluster.local/a#f", "spiffe://cluster.local/a//b", "spiffe://cluster.local/a/", "spiffe:///a",
                "spiffe://cluster.local/../a", "spiffe://cluster.local/a b"}) {
            assertThatThrownBy(() -> SpiffeId.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
