package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SupportedFeaturesTest {
    @Test
    void theGatewayClassReportsWhatTheConformanceReportProves() throws Exception {
        String report = Files.readString(Path.of("../docs/gateway-api.md"));
        List<String> supported = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| ([A-Za-z0-9]+) \\| supported").matcher(report);
        while (m.find()) supported.add(m.group(1));
        assertThat(SupportedFeatures.NAMES).containsExactlyInAnyOrderElementsOf(supported);
        assertThat(SupportedFeatures.NAMES).isSorted().doesNotHaveDuplicates();
    }
}
