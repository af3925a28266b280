package dev.lattice.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.config.ListenerConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a state-of-the-world response into the new resource set: each resource is validated on its own; a rejected
 * one keeps its previous version (if there was one), so one bad resource never takes down the rest.
 */
public final class SotwMerger {
    private SotwMerger() {}

    public static ResourceUpdate<ListenerConfig> listeners(List<Any> resources, Map<String, ListenerConfig> previous) {
        Map<String, ListenerConfig> out = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < resources.size(); i++) {
            Any any = resources.get(i);
            Listener l;
            try {
                if (!any.getTypeUrl().equals(XdsResources.LISTENER_TYPE)) {
                    errors.add("resources[" + i + "]: expected " + XdsResources.LISTENER_TYPE + ", got " + any.getTypeUrl());
                    continue;
                }
                l = any.unpack(Listener.class);
            } catch (InvalidProtocolBufferException e) {
                errors.add("resources[" + i + "]: not a Listener: " + e.getMessage());
                continue;
            }
            add(out, errors, l.getName(), previous, () -> XdsResources.parseListener(l), "listener");
        }
        return new ResourceUpdate<>(Collections.unmodifiableMap(out), errors);
    }

    public static ResourceUpdate<ClusterConfig> clusters(List<Any> resources, Map<String, ClusterConfig> previous) {
        Map<String, ClusterConfig> out = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < resources.size(); i++) {
            Any any = resources.get(i);
            Cluster c;
            try {
                if (!any.getTypeUrl().equals(XdsResources.CLUSTER_TYPE)) {
                    errors.add("resources[" + i + "]: expected " + XdsResources.CLUSTER_TYPE + ", got " + any.getTypeUrl());
                    continue;
                }
                c = any.unpack(Cluster.class);
            } catch (InvalidProtocolBufferException e) {
                errors.add("resources[" + i + "]: not a Cluster: " + e.getMessage());
                continue;
            }
            add(out, errors, c.getName(), previous, () -> XdsResources.parseCluster(c), "cluster");
        }
        return new ResourceUpdate<>(Collections.unmodifiableMap(out), errors);
    }

    interface Parse<T> {
        T parse() throws XdsRejection;
    }

    private static <T> void add(Map<String, T> out, List<String> errors, String name, Map<String, T> previous, Parse<T> p,
            String kind) {
        if (out.containsKey(name)) {
            errors.add(kind + " " + name + ": duplicate resource name");
            return;
        }
        try {
            out.put(name, p.parse());
        } catch (XdsRejection e) {
            errors.add(e.getMessage());
            T old = previous.get(name);
            if (old != null) {
                out.put(name, old);
            }
        }
    }
}
