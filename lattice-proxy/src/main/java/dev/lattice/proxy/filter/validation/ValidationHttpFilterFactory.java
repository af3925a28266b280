package dev.lattice.proxy.filter.validation;

import com.google.protobuf.Any;
import dev.lattice.api.validation.v1.RequestValidation;
import dev.lattice.api.validation.v1.RequestValidationPerRoute;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.HttpFilterFactory;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.XdsRejection;

/**
 * Lattice's request validation ({@code lattice.validation.v1.RequestValidation} in {@code http_filters}, each route's
 * {@code RequestValidationPerRoute} in its {@code typed_per_filter_config}; docs/xds.md "Request validation"). The
 * per-route config is compiled when it arrives (schemas included, once per config, never per request): a schema that
 * does not compile rejects the route configuration, so the last good one keeps serving. A route without config is
 * not checked.
 */
public final class ValidationHttpFilterFactory implements HttpFilterFactory {
    static final String TYPE_URL = "type.googleapis.com/lattice.validation.v1.RequestValidation";
    static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/lattice.validation.v1.RequestValidationPerRoute";

    private static final HttpFilter FILTER = new HttpFilter() {
        @Override
        public LocalReply onRequestHeaders(RequestView request) {
            return null;
        }

        @Override
        public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
            return routeConfig instanceof RouteValidation v ? v.onRequestHeaders(request) : null;
        }
    };

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Object parse(String resource, String path, Any typedConfig) throws XdsRejection {
        return HttpFilterFactory.unpack(resource, path, typedConfig, RequestValidation.class);
    }

    @Override
    public String perRouteTypeUrl() {
        return PER_ROUTE_TYPE_URL;
    }

    @Override
    public Object parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        RequestValidationPerRoute c = HttpFilterFactory.unpack(resource, path, typedConfig, RequestValidationPerRoute.class);
        return RouteValidation.compile(resource, path, c);
    }

    @Override
    public HttpFilter compile(String listener, String filterName, Object config, ProxyMetrics metrics) {
        return FILTER;
    }
}
