package dev.lattice.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.config.ConnectionLimit;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ListenerSlot's connection_limit count: N open, the N+1th refused and counted, a close frees a place. */
class ConnectionLimitTest {
    private static ListenerSlot slot(ProxyMetrics metrics) {
        ListenerConfig lc = new ListenerConfig("gateway/80", "127.0.0.1", 0, "gateway", "gateway_80", true, "gateway/80", List.of());
        CompiledListener cl = new CompiledListener(lc, null, Map.of(), List.of(), List.of(), null, null);
        return new ListenerSlot("127.0.0.1:0", cl, NioSocketChannel.class, null, null, metrics);
    }

    @Test
    void theConnectionOverTheLimitIsRefusedAndCountedUntilOneCloses() {
        ProxyMetrics metrics = new ProxyMetrics();
        ListenerSlot s = slot(metrics);
        ConnectionLimit two = new ConnectionLimit("gateway_80", 2);
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        assertThat(s.admit(a, two)).isTrue();
        assertThat(s.admit(b, two)).isTrue();
        assertThat(s.admit(new EmbeddedChannel(), two)).isFalse();
        assertThat(s.admit(new EmbeddedChannel(), two)).isFalse();
        assertThat(metrics.scrape()).contains(
                "lattice_downstream_cx_overflow_total{listener=\"gateway/80\",stat_prefix=\"gateway_80\"} 2.0");
        a.close();
        assertThat(s.admit(new EmbeddedChannel(), two)).isTrue();
        // a new config's limit counts the connections already open (the count outlives config pushes): 2 are open
        assertThat(s.admit(new EmbeddedChannel(), new ConnectionLimit("gateway_80", 2))).isFalse();
        assertThat(s.admit(new EmbeddedChannel(), new ConnectionLimit("gateway_80", 3))).isTrue();
        assertThat(s.admit(new EmbeddedChannel(), new ConnectionLimit("gateway_80", 3))).isFalse();
        // another stat_prefix is another count; no limit admits all
        assertThat(s.admit(new EmbeddedChannel(), new ConnectionLimit("gateway_80_https", 1))).isTrue();
        assertThat(s.admit(new EmbeddedChannel(), null)).isTrue();
    }
}
