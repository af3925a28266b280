package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * core v1 ConfigMap. Only {@code data} (string values) is kept; {@code binaryData} is read for its problems and not
 * kept. Lattice reads it as a Gateway's frontend CA bundle ({@link #CA_CRT}).
 */
public record ConfigMap(ObjectMeta meta, Map<String, String> data) implements MeshObject {
    public static final String KIND = "ConfigMap";
    /** The key holding a PEM CA bundle (Gateway spec.tls.frontend ... caCertificateRefs). */
    public static final String CA_CRT = "ca.crt";

    public ConfigMap {
        requireNonNull(meta, "meta");
        data = Map.copyOf(data);
    }

    @Override
    public String kind() {
        return KIND;
    }

    static ConfigMap read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "data", "binaryData", "immutable");
        root.get("immutable").bool(false);
        Field df = root.get("data");
        Map<String, String> data = df.stringMap();
        for (String k : data.keySet()) {
            if (k.isEmpty() || k.length() > 253 || !k.matches("[-._a-zA-Z0-9]+")) {
                df.get(k).problem("key must consist of alphanumerics, '-', '_' or '.', not \"" + k + "\"");
            }
        }
        root.get("binaryData").stringMap();
        return new ConfigMap(meta, data);
    }
}
