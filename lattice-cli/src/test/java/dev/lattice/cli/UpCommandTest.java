package dev.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpCommandTest {
    @Test
    void proxyJavaOptsAreSplitOnWhitespace() {
        assertThat(UpCommand.extraJvmFlags(null)).isEmpty();
        assertThat(UpCommand.extraJvmFlags("  ")).isEmpty();
        assertThat(UpCommand.extraJvmFlags(" -Xmx64m\t-XX:+UseParallelGC\n")).containsExactly("-Xmx64m", "-XX:+UseParallelGC");
    }
}
