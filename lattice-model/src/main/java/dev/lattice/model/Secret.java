package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * core v1 Secret. {@code data} holds the decoded bytes of every key: {@code data} (base64, as on Kubernetes) merged
 * with {@code stringData} (plain text, which wins on a shared key, as the API server does). A
 * {@code kubernetes.io/tls} Secret must have {@code tls.crt} and {@code tls.key}; whether they are PEM that parses is
 * checked where they are used (a Gateway listener's status), not here.
 */
public record Secret(ObjectMeta meta, String type, Map<String, byte[]> data) implements MeshObject {
    public static final String KIND = "Secret";
    public static final String TLS = "kubernetes.io/tls";
    public static final String TLS_CRT = "tls.crt";
    public static final String TLS_KEY = "tls.key";

    public Secret {
        requireNonNull(meta, "meta");
        requireNonNull(type, "type");
        Map<String, byte[]> copy = new TreeMap<>();
        data.forEach((k, v) -> copy.put(k, v.clone()));
        data = java.util.Collections.unmodifiableMap(copy);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The value of a key as UTF-8 text, or null when the key is missing. */
    public String text(String key) {
        byte[] b = data.get(key);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Each key with its length in bytes, as {@code kubectl describe secret} shows them: no key material. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        data.forEach((k, v) -> out.put(k, v.length));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Secret s) || !meta.equals(s.meta) || !type.equals(s.type) || !data.keySet().equals(s.data.keySet())) {
            return false;
        }
        return data.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), s.data.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        int h = meta.hashCode() * 31 + type.hashCode();
        for (var e : data.entrySet()) h = h * 31 + e.getKey().hashCode() * 17 + java.util.Arrays.hashCode(e.getValue());
        return h;
    }

    @Override
    public String toString() {
        return "Secret[" + meta.namespace() + "/" + meta.name() + ", type=" + type + ", data=" + sizes() + "]";
    }

    static Secret read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable");
        String type = root.get("type").string("Opaque");
        root.get("immutable").bool(false);
        Map<String, byte[]> data = new TreeMap<>();
        Field df = root.get("data");
        for (Map.Entry<String, String> e : written(df)) {
            Field f = df.get(e.getKey());
            if (!validKey(e.getKey())) f.problem("key must consist of alphanumerics, '-', '_' or '.', not \"" + e.getKey() + "\"");
            try {
                data.put(e.getKey(), Base64.getMimeDecoder().decode(strictBase64(e.getValue())));
            } catch (IllegalArgumentException x) {
                f.problem("must be base64 (as on Kubernetes; write plain text under stringData): " + x.getMessage());
            }
        }
        Field sf = root.get("stringData");
        for (Map.Entry<String, String> e : written(sf)) {
            if (!validKey(e.getKey())) {
                sf.get(e.getKey()).problem("key must consist of alphanumerics, '-', '_' or '.', not \"" + e.getKey() + "\"");
            }
            data.put(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        if (type.equals(TLS)) {
            for (String k : List.of(TLS_CRT, TLS_KEY)) {
                if (!data.containsKey(k) && !df.get(k).present()) df.problem("a " + TLS + " Secret needs the key " + k + " (in data or stringData)");
            }
        }
        return new Secret(meta, type, data);
    }

    /** The string entries of a map field in the order written (problems follow the file). */
    private static List<Map.Entry<String, String>> written(Field f) {
        Map<String, String> m = f.stringMap();
        List<Map.Entry<String, String>> out = new java.util.ArrayList<>();
        if (f.present() && f.json().isObject()) {
            for (var it = f.json().fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (m.containsKey(k)) out.add(Map.entry(k, m.get(k)));
            }
        }
        return out;
    }

    private static boolean validKey(String k) {
        return !k.isEmpty() && k.length() <= 253 && k.matches("[-._a-zA-Z0-9]+");
    }

    /** Base64 with only whitespace besides the alphabet (the MIME decoder alone would skip any other character). */
    private static String strictBase64(String s) {
        String t = s.replaceAll("\\s", "");
        if (!t.matches("[A-Za-z0-9+/]*={0,2}")) throw new IllegalArgumentException("illegal character");
        if (t.length() % 4 != 0) throw new IllegalArgumentException("length " + t.length() + " is not a multiple of 4");
        return t;
    }
}
