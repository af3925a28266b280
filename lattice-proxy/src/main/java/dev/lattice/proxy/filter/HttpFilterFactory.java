package dev.lattice.proxy.filter;

import com.google.protobuf.Any;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;

/**
 * One kind of HTTP filter, keyed in the {@link HttpFilterRegistry} by the type URL of its xDS config (as grpc-java's
 * FilterRegistry): it parses its {@code typed_config} when the xDS resource arrives (rejecting, by field path, what
 * it cannot enforce) and compiles the parsed config into the runtime {@link HttpFilter} when the proxy's config is
 * compiled, where it may bind its metrics.
 */
public interface HttpFilterFactory {
    /** The {@code typed_config} type URL this factory owns. */
    String typeUrl();

    /** Parses a filter's config; {@code resource} and {@code path} name the place in errors. */
    Object parse(String resource, String path, Any typedConfig) throws XdsRejection;

    /**
     * The type URL of this filter's per-route config (a route's {@code typed_per_filter_config} entry for the
     * filter's name), or null when it has none.
     */
    default String perRouteTypeUrl() {
        return null;
    }

    /** Parses a route's config for this filter (only called when {@link #perRouteTypeUrl()} is not null). */
    default Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        throw new XdsRejection(resource, path + ": this filter has no per-route config");
    }

    /**
     * Unpacks a filter's (or a route's) config of {@code type}, or rejects it naming the place: the one unpacking of
     * every factory.
     */
    static <T extends com.google.protobuf.Message> T unpack(String resource, String path, Any typedConfig, Class<T> type)
            throws XdsRejection {
        try {
            return typedConfig.unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new XdsRejection(resource, path + ": expected " + type.getSimpleName() + ", got " + typedConfig.getTypeUrl());
        }
    }

    /** The runtime filter named {@code filterName} on listener {@code listener}, from what {@link #parse} returned. */
    HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics);
}
