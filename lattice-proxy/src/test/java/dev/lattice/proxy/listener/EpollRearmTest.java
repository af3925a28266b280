package dev.lattice.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class EpollRearmTest {
    @Test
    void knowsThisNettysEpollInternals() {
        // the pinned Netty's internals are the ones the workaround expects; a Netty upgrade that changes them fails
        // here (then check whether the upgrade fixed the bug: TcpProxyListenerIT.aLargeAnswerAfterTheClientsHalfCloseArrivesWhole)
        assertThat(EpollRearm.available()).isTrue();
    }

    @Test
    void leavesOtherChannelsAlone() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThat(EpollRearm.rearm(ch)).isFalse();
        ch.finishAndReleaseAll();
    }
}
