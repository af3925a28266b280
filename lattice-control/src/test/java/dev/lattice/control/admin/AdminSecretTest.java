package dev.lattice.control.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lattice.control.ControlPlane;
import dev.lattice.control.FakeSource;
import dev.lattice.control.local.PortPlacer;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.xds.XdsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `lattice get secret` (the admin API) shows each key with its size, as kubectl describe does, never the value. */
class AdminSecretTest {
    static final String SECRET = """
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cert", "namespace": "default"},
             "type": "kubernetes.io/tls",
             "data": {"tls.crt": "c2VjcmV0LWNlcnQ="},
             "stringData": {"tls.key": "secret-key-material"}}""";

    @Test
    void secretValuesAreNeverShown() throws Exception {
        XdsServer xds = XdsServer.start("127.0.0.1", 0);
        SourceState state = new SourceState(List.of(FakeSource.resource("secrets.yaml", 1, SECRET)), List.of());
        ControlPlane cp = new ControlPlane(new FakeSource(state), xds, new PortPlacer(), Clock.systemUTC(), s -> {});
        AdminServer admin = AdminServer.start("127.0.0.1", 0, cp, ProcessStates.EXTERNAL);
        cp.start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin.port() + "/api/v1/resources?kind=secret")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).doesNotContain("c2VjcmV0LWNlcnQ=").doesNotContain("secret-key-material");
            JsonNode s = new ObjectMapper().readTree(r.body()).get(0);
            assertThat(s.path("type").asText()).isEqualTo("kubernetes.io/tls");
            assertThat(s.path("data").path("tls.crt").asText()).isEqualTo("11 bytes");
            assertThat(s.path("data").path("tls.key").asText()).isEqualTo("19 bytes");
            assertThat(s.has("stringData")).isFalse();
        } finally {
            admin.close();
            cp.close();
            xds.close();
        }
    }
}
