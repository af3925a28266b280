package dev.lattice.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConditionsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode route(String accepted, String resolved) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"parents": [{"parentRef": {"name": "gw"}, "controllerName": "lattice.dev/gateway-controller",
                  "conditions": [{"type": "Accepted", "status": "%s", "reason": "Accepted"},
                                 {"type": "ResolvedRefs", "status": "%s", "reason": "ResolvedRefs"}]}]}
                """.formatted(accepted, resolved));
    }

    @Test
    void keepsTheTimeWhileTheStatusDoesNotChange() throws Exception {
        Instant t1 = Instant.parse("2026-01-01T00:00:00Z");
        Instant t2 = Instant.parse("2026-01-01T00:05:00Z");
        ObjectNode first = Conditions.stamp(route("True", "True"), null, t1);
        assertThat(first.at("/parents/0/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
        ObjectNode second = Conditions.stamp(route("True", "False"), first, t2);
        assertThat(second.at("/parents/0/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(second.at("/parents/0/conditions/1/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:05:00Z");
    }

    @Test
    void stampsTopLevelAndListenerConditions() throws Exception {
        ObjectNode gw = (ObjectNode) JSON.readTree("""
                {"conditions": [{"type": "Programmed", "status": "True"}],
                 "listeners": [{"name": "http", "attachedRoutes": 1, "conditions": [{"type": "Accepted", "status": "True"}]}]}
                """);
        ObjectNode s = Conditions.stamp(gw, null, Instant.parse("2026-01-01T00:00:00.123Z"));
        assertThat(s.at("/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(s.at("/listeners/0/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(gw.at("/conditions/0/lastTransitionTime").isMissingNode()).as("input untouched").isTrue();
    }
}
