package dev.lattice.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EchoCoreRetrySimulationTest {
    private final EchoCore core = new EchoCore("echo", "default");

    private static EchoCore.Request get(String path) {
        return new EchoCore.Request("GET", path, "h", "HTTP/1.1", Map.of(), 0, "127.0.0.1:1");
    }

    @Test
    void failsTheFirstAttemptsPerUuidThenAnswers() {
        String p = "/retry/x?responseCode=500&succeedAfter=2&uuid=a";
        assertThat(core.retrySimulation(get(p)).status()).isEqualTo(500);
        assertThat(core.retrySimulation(get("/retry/x?responseCode=500&succeedAfter=2&uuid=b")).status()).isEqualTo(500);
        assertThat(core.retrySimulation(get(p)).status()).isEqualTo(500);
        assertThat(core.retrySimulation(get(p))).isNull();
        assertThat(core.retrySimulation(get(p))).isNull();
        assertThat(core.respond(get(p)).status()).isEqualTo(200);
        // without responseCode a failure is a reset; succeedAfter=0 never fails; no succeedAfter: not simulated
        assertThat(core.retrySimulation(get("/r?succeedAfter=1&uuid=c")).reset()).isTrue();
        assertThat(core.retrySimulation(get("/r?succeedAfter=0&uuid=d"))).isNull();
        assertThat(core.retrySimulation(get("/r?uuid=e&responseCode=500"))).isNull();
        assertThat(core.requests()).extracting(j -> j.path("retryAttempt").asInt())
                .containsExactly(1, 1, 2, 0, 1);
    }

    @Test
    void rejectsMissingOrBadParameters() {
        assertThat(core.retrySimulation(get("/r?succeedAfter=2")).status()).isEqualTo(400);
        assertThat(core.retrySimulation(get("/r?succeedAfter=two&uuid=a")).status()).isEqualTo(400);
        assertThat(core.retrySimulation(get("/r?succeedAfter=1&uuid=a&responseCode=42")).status()).isEqualTo(400);
        assertThat(core.requests()).isEmpty();
    }

    @Test
    void remembersABoundedNumberOfUuids() {
        assertThat(core.retrySimulation(get("/r?succeedAfter=1&responseCode=503&uuid=first"))).isNotNull();
        for (int i = 0; i < EchoCore.MAX_RETRY_IDS; i++) {
            assertThat(core.retrySimulation(get("/r?succeedAfter=1&responseCode=503&uuid=u" + i))).isNotNull();
        }
        // "first" was forgotten (least recently used), so it fails again; the newest is still remembered
        assertThat(core.retrySimulation(get("/r?succeedAfter=1&responseCode=503&uuid=first"))).isNotNull();
        assertThat(core.retrySimulation(get("/r?succeedAfter=1&responseCode=503&uuid=u" + (EchoCore.MAX_RETRY_IDS - 1))))
                .isNull();
    }

    @Test
    void durationsAndDecodedQueryParameters() {
        assertThat(EchoCore.durationMillis("300ms")).isEqualTo(300);
        assertThat(EchoCore.durationMillis("1.5s")).isEqualTo(1500);
        assertThat(EchoCore.durationMillis("nope")).isZero();
        assertThat(EchoCore.queryParam("/p?a=1&uuid=x%2Dy&delay=2s", "uuid")).isEqualTo("x-y");
        assertThat(EchoCore.delayMillis("/p?delayRetry=5s&delay=2s")).isEqualTo(2000);
        assertThat(EchoCore.delayMillis("/p?delayRetry=5s")).isZero();
    }
}
