package dev.lattice.control.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lattice.control.ControlPlane;
import dev.lattice.control.FakeSource;
import dev.lattice.control.local.PortPlacer;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.xds.XdsServer;
import dev.lattice.model.Problem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SERVICE = """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "books", "namespace": "default"},
             "spec": {"selector": {"app": "books"}, "ports": [{"name": "http", "port": 9080, "targetPort": 19080}]},
             "status": {"written": "by the user, ignored"}}""";
    static final String WORKLOAD = """
            {"apiVersion": "lattice.dev/v1alpha1", "kind": "Workload",
             "metadata": {"name": "books-v1", "namespace": "default", "labels": {"app": "books"}},
             "spec": {"ports": [{"name": "http", "port": 19080}], "sidecar": {"outboundPort": 15999}}}""";
    static final String OTHER_NS = """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ratings", "namespace": "shop"},
             "spec": {"ports": [{"port": 80}]}}""";

    XdsServer xds;
    ControlPlane cp;
    AdminServer admin;
    HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        xds = XdsServer.start("127.0.0.1", 0);
        SourceState state = new SourceState(List.of(
                FakeSource.resource("services.yaml", 1, SERVICE),
                FakeSource.resource("workloads.yaml", 1, WORKLOAD),
                FakeSource.resource("services.yaml", 12, OTHER_NS)),
                List.of(new Problem("routes.yaml", 7, "HTTPRoute", "default", "broken",
                        "spec.rules[0].backendRefs[0].port", "required")));
        cp = new ControlPlane(new FakeSource(state), xds, new PortPlacer(), Clock.systemUTC(), s -> {});
        admin = AdminServer.start("127.0.0.1", 0, cp, ProcessStates.EXTERNAL);
        cp.start();
    }

    @AfterEach
    void stop() {
        admin.close();
        cp.close();
        xds.close();
        http.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    @Test
    void healthz() throws Exception {
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/healthz").body()).isEqualTo("ok\n");
    }

    @Test
    void resourcesAsKubernetesShowsThem() throws Exception {
        JsonNode svcs = json("/api/v1/resources?kind=svc&namespace=default");
        assertThat(svcs.size()).isEqualTo(1);
        JsonNode s = svcs.get(0);
        assertThat(s.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(s.path("kind").asText()).isEqualTo("Service");
        assertThat(s.path("metadata").path("name").asText()).isEqualTo("books");
        assertThat(s.path("metadata").path("namespace").asText()).isEqualTo("default");
        assertThat(s.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(9080);
        assertThat(s.has("status")).as("a status the user wrote is not shown").isFalse();

        assertThat(json("/api/v1/resources?kind=services").size()).isEqualTo(2);
        assertThat(json("/api/v1/resources?kind=Service&name=ratings").get(0).path("metadata").path("namespace")
                .asText()).isEqualTo("shop");
        assertThat(json("/api/v1/resources").size()).isEqualTo(3);
        JsonNode ns = json("/api/v1/resources?kind=ns");
        assertThat(ns.findValuesAsText("name")).containsExactly("default", "shop");
        HttpResponse<String> bad = get("/api/v1/resources?kind=pods");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("unknown kind \\\"pods\\\"");
    }

    @Test
    void problemsNameTheirPlace() throws Exception {
        JsonNode problems = json("/api/v1/problems");
        assertThat(problems.findValuesAsText("text")).contains(
                "routes.yaml:7: HTTPRoute default/broken: spec.rules[0].backendRefs[0].port: required");
        JsonNode p = problems.get(0);
        assertThat(p.path("file").asText()).isEqualTo("routes.yaml");
        assertThat(p.path("line").asInt()).isEqualTo(7);
        assertThat(p.path("field").asText()).isEqualTo("spec.rules[0].backendRefs[0].port");
    }

    @Test
    void proxiesListEverySidecarWithPlacedPorts() throws Exception {
        JsonNode proxies = json("/api/v1/proxies");
        assertThat(proxies.size()).isEqualTo(1);
        JsonNode p = proxies.get(0);
        assertThat(p.path("id").asText()).isEqualTo("sidecar~default~books-v1");
        assertThat(p.path("role").asText()).isEqualTo("sidecar");
        assertThat(p.path("namespace").asText()).isEqualTo("default");
        assertThat(p.path("name").asText()).isEqualTo("books-v1");
        assertThat(p.path("outboundPort").asInt()).isEqualTo(15999);
        assertThat(p.path("inboundPorts").has("19080")).isTrue();
        assertThat(p.path("adminPort").asInt()).isPositive();
        assertThat(p.path("connected").asBoolean()).isFalse();
        assertThat(p.path("synced").asBoolean()).as("nothing ACKed yet").isFalse();
        assertThat(p.path("publishedVersion").has("CDS")).isTrue();
        assertThat(p.path("nack").isNull()).isTrue();
        assertThat(p.path("pid").isNull()).isTrue();
        assertThat(p.path("process").asText()).isEqualTo("external");
        assertThat(p.has("ackedVersion")).isTrue();
        assertThat(p.has("listenPorts")).isTrue();
    }

    @Test
    void unknownPathIs404WithAHint() throws Exception {
        HttpResponse<String> r = get("/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("/api/v1/resources");
    }
}
