package dev.lattice.proxy.xds;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import dev.lattice.proxy.config.ProxyConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a bootstrap file {@code {"listeners": [...], "clusters": [...]}} whose entries are Envoy v3 Listener and
 * Cluster resources in proto3 JSON, through the same parser as xDS.
 */
public final class BootstrapLoader {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(XdsResources.typeRegistry());

    private BootstrapLoader() {}

    public static ProxyConfig load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Parses bootstrap JSON; every problem is reported in one exception, each naming file, entry and field. */
    public static ProxyConfig parse(String json, String source) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": not JSON: " + e.getMessage());
        }
        if (parsed == null || !parsed.isJsonObject()) {
            throw new IllegalArgumentException(source + ": expected an object {\"listeners\": [...], \"clusters\": [...]}");
        }
        JsonObject root = parsed.getAsJsonObject();
        List<String> errors = new ArrayList<>();
        for (String f : root.keySet()) {
            if (!f.equals("listeners") && !f.equals("clusters")) {
                errors.add(source + ": " + f + ": unknown field (expected listeners, clusters)");
            }
        }
        List<ClusterConfig> clusters = new ArrayList<>();
        Set<String> clusterNames = new HashSet<>();
        JsonArray cs = array(root, "clusters", source, errors);
        for (int i = 0; i < cs.size(); i++) {
            String at = source + ": clusters[" + i + "]";
            try {
                Cluster.Builder b = Cluster.newBuilder();
                PARSER.merge(cs.get(i).toString(), b);
                ClusterConfig c = XdsResources.parseCluster(b.build());
                if (!clusterNames.add(c.name())) {
                    errors.add(at + ": cluster " + c.name() + ": duplicate name");
                }
                clusters.add(c);
            } catch (InvalidProtocolBufferException e) {
                errors.add(at + ": not a Cluster: " + e.getMessage());
            } catch (XdsRejection e) {
                errors.add(at + ": " + e.getMessage());
            }
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        Set<String> listenerNames = new HashSet<>();
        JsonArray ls = array(root, "listeners", source, errors);
        for (int i = 0; i < ls.size(); i++) {
            String at = source + ": listeners[" + i + "]";
            try {
                Listener.Builder b = Listener.newBuilder();
                PARSER.merge(ls.get(i).toString(), b);
                ListenerConfig l = XdsResources.parseListener(b.build());
                if (!listenerNames.add(l.name())) {
                    errors.add(at + ": listener " + l.name() + ": duplicate name");
                }
                listeners.add(l);
            } catch (InvalidProtocolBufferException e) {
                errors.add(at + ": not a Listener: " + e.getMessage());
            } catch (XdsRejection e) {
                errors.add(at + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", errors));
        }
        return ProxyConfig.of(listeners, clusters);
    }

    private static JsonArray array(JsonObject root, String field, String source, List<String> errors) {
        JsonElement e = root.get(field);
        if (e == null || e.isJsonNull()) {
            return new JsonArray();
        }
        if (!e.isJsonArray()) {
            errors.add(source + ": " + field + ": expected an array");
            return new JsonArray();
        }
        return e.getAsJsonArray();
    }
}
