package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.ResourceLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: src/test/resources/golden/CASE/input.yaml → ir.yaml (the IR of each proxy, as {@link IrYaml} writes
 * it: what MeshIrBuilder made of the input, before xDS) and expected.json (each proxy's listeners and clusters as
 * proto3 JSON, every status, every problem). Regenerate with {@code -Dgolden.update=true} (or env
 * GOLDEN_UPDATE=true), then read the diff: a golden must be right, not just what the code printed.
 *
 * <p>Ports are placed deterministically: a sidecar's k-th proxy (in {@link MeshTranslator#proxies} order) gets
 * admin 15000+100k and outbound 15001+100k unless the Workload asks for its own; an app port P is received on
 * inbound port P+10000.
 */
class GoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static boolean update() {
        return Boolean.getBoolean("golden.update") || "true".equals(System.getenv("GOLDEN_UPDATE"));
    }

    @TestFactory
    Stream<DynamicTest> goldens() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    static void check(Path dir) throws IOException {
        String input = Files.readString(dir.resolve("input.yaml"));
        compare(dir.resolve("ir.yaml"), renderIr(input));
        compare(dir.resolve("expected.json"), render(input));
    }

    private static void compare(Path expectedFile, String actual) throws IOException {
        if (update()) {
            Files.writeString(expectedFile, actual);
            return;
        }
        assertThat(expectedFile).as("missing golden; run with -Dgolden.update=true").exists();
        assertThat(actual).as(expectedFile.toString()).isEqualTo(Files.readString(expectedFile));
    }

    /** The IR stage: every proxy's {@link dev.lattice.control.translate.ir.Ir.Proxy} (by {@link IrYaml}). */
    static String renderIr(String yaml) {
        return IrYaml.render(MeshTranslator.translateIr(snapshot(yaml, new ArrayList<>())).proxies());
    }

    static MeshSnapshot snapshot(String yaml, List<Problem> problems) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("input.yaml", yaml);
        problems.addAll(f.allProblems());
        List<Resource> resources = f.validResources();
        Map<ProxyId, ProxyPorts> ports = new HashMap<>();
        int k = 0;
        for (ProxyRequest p : MeshTranslator.proxies(resources)) {
            if (p.id().role() == ProxyId.Role.GATEWAY) {
                ports.put(p.id(), new ProxyPorts(15900 + k, 0, Map.of()));
            } else {
                Map<Integer, Integer> inbound = new HashMap<>();
                for (int app : p.appPorts()) inbound.put(app, app + 10000);
                ports.put(p.id(), new ProxyPorts(p.adminPort() != null ? p.adminPort() : 15000 + 100 * k,
                        p.outboundPort() != null ? p.outboundPort() : 15001 + 100 * k, inbound));
            }
            k++;
        }
        return new MeshSnapshot(1, resources, problems, ports, List.of(), trust(resources));
    }

    /** A placeholder root, so a golden with mesh security does not depend on a generated CA. */
    static final String ROOT_PEM = "-----BEGIN CERTIFICATE-----\ngolden-root\n-----END CERTIFICATE-----\n";

    /**
     * Mesh security as the control plane turns it on from a MeshConfig (its trust domain and default mTLS mode, the
     * root being {@link #ROOT_PEM}); a case without a MeshConfig is translated without identities, as before.
     */
    static dev.lattice.control.MeshTrust trust(List<Resource> resources) {
        for (Resource r : resources) {
            if (!r.key().kind().equals("MeshConfig")) continue;
            if (dev.lattice.model.Models.read(r).value() instanceof dev.lattice.model.MeshConfig m) {
                return new dev.lattice.control.MeshTrust(true, m.trustDomain(), Map.of(m.trustDomain(), ROOT_PEM), m.mtlsMode());
            }
        }
        return dev.lattice.control.MeshTrust.NONE;
    }

    static String render(String yaml) throws IOException {
        List<Problem> problems = new ArrayList<>();
        MeshSnapshot snap = snapshot(yaml, problems);
        MeshTranslation t = MeshTranslator.translate(snap);
        ObjectNode out = JSON.createObjectNode();
        ObjectNode proxies = out.putObject("proxies");
        t.proxies().entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().nodeId())).forEach(e -> {
            ObjectNode p = proxies.putObject(e.getKey().nodeId());
            ArrayNode ls = p.putArray("listeners");
            e.getValue().listeners().forEach(l -> ls.add(proto(l)));
            ArrayNode cs = p.putArray("clusters");
            e.getValue().clusters().forEach(c -> cs.add(proto(c)));
        });
        ObjectNode statuses = out.putObject("statuses");
        t.statuses().entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().toString()))
                .forEach(e -> statuses.set(e.getKey().toString(), e.getValue()));
        ArrayNode ps = out.putArray("problems");
        problems.forEach(p -> ps.add(p.toString()));
        t.problems().forEach(p -> ps.add(p.toString()));
        return JSON.writeValueAsString(out) + "\n";
    }

    private static com.fasterxml.jackson.databind.JsonNode proto(Message m) {
        try {
            return JSON.readTree(XdsJson.print(m));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ResourceKey key(String kind, String ns, String name) {
        return new ResourceKey(kind, ns, name);
    }
}
