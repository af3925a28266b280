package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;

/**
 * One entry of a connection manager's {@code http_filters} before the router: its name, its xDS config as sent and
 * that config parsed by the filter's factory ({@link dev.lattice.proxy.filter.HttpFilterRegistry}). Two are equal
 * when name and xDS config are (the parsed form follows from them).
 */
public record HttpFilterConfig(String name, Any typedConfig, Object parsed) {
    public HttpFilterConfig {
        requireNonNull(name, "name");
        requireNonNull(typedConfig, "typedConfig");
        requireNonNull(parsed, "parsed");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpFilterConfig h && h.name.equals(name) && h.typedConfig.equals(typedConfig);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + typedConfig.hashCode();
    }

    @Override
    public String toString() {
        return "HttpFilterConfig[" + name + " " + typedConfig.getTypeUrl() + "]";
    }
}
