package dev.lattice.proxy.filter.rbac;

import com.google.protobuf.Any;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;

/** Envoy's RBAC HTTP filter ({@code envoy.extensions.filters.http.rbac.v3.RBAC}): see {@link RbacHttpFilter}. */
public final class RbacHttpFilterFactory implements HttpFilterFactory {
    @Override
    public String typeUrl() {
        return RbacParser.TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        return RbacParser.parse(resource, path, typedConfig);
    }

    @Override
    public String perRouteTypeUrl() {
        return RbacParser.PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        return RbacParser.parsePerRoute(resource, path, typedConfig);
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        return new RbacHttpFilter(listener, filterName, (RbacFilterConfig) config, metrics);
    }
}
