package dev.lattice.proxy.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpreadTest {
    @Test
    void anyRunOf500DrawsFollowsTheWeightsWithinOnePercent() {
        // 70/30, 1/3-1/3-1/3 and 1/20: independent random draws miss 0.7 ± 0.05 once in about 60 runs of 500
        int worst70 = 0;
        for (int run = 0; run < 2000; run++) {
            Spread s = new Spread();
            int low = 0;
            int[] thirds = new int[3];
            int twentieth = 0;
            for (int i = 0; i < 500; i++) {
                if (s.next(100) < 70) low++;
                thirds[s.next(3)]++;
                if (s.next(20) < 1) twentieth++;
            }
            worst70 = Math.max(worst70, Math.abs(low - 350));
            for (int t : thirds) assertThat(Math.abs(t - 500 / 3.0)).isLessThan(5);
            assertThat(Math.abs(twentieth - 25)).isLessThanOrEqualTo(5);
        }
        assertThat(worst70).as("largest miss of 350 in 500 draws").isLessThanOrEqualTo(5);
    }

    @Test
    void drawsStayInTheirBound() {
        Spread s = new Spread();
        for (int i = 0; i < 100_000; i++) {
            assertThat(s.next(7)).isBetween(0, 6);
        }
        assertThat(new Spread().next(1)).isZero();
    }
}
