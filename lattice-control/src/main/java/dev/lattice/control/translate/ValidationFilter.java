package dev.lattice.control.translate;

import com.google.protobuf.Any;
import dev.lattice.api.validation.v1.RequestValidation;
import dev.lattice.api.validation.v1.RequestValidationPerRoute;
import dev.lattice.control.translate.ir.Ir;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;

/**
 * Request validation (docs/xds.md "Request validation"): a connection manager with a route governed by a
 * RequestValidationPolicy lists {@code lattice.request_validation} (an empty {@link RequestValidation}); each such
 * route carries its {@link RequestValidationPerRoute}. A listener without such a route gets no entry.
 */
final class ValidationFilter implements TranslatorFilter {
    static final String NAME = "lattice.request_validation";
    private static final List<HttpFilter> ENTRY = List.of(HttpFilter.newBuilder().setName(NAME)
            .setTypedConfig(Any.pack(RequestValidation.getDefaultInstance())).build());

    @Override
    public FilterOrder order() {
        return FilterOrder.REQUEST_VALIDATION;
    }

    @Override
    public List<HttpFilter> httpFilters(Ir.Hcm hcm) {
        boolean any = hcm.virtualHosts().stream().flatMap(v -> v.routes().stream()).anyMatch(r -> validation(r) != null);
        return any ? ENTRY : List.of();
    }

    private static Ir.Validation validation(Ir.Route r) {
        return r.policies() == null ? null : r.policies().validation();
    }

    @Override
    public void patchRoute(Route.Builder b, Ir.Route route, Ir.Hcm hcm) {
        Ir.Validation v = validation(route);
        if (v == null) return;
        b.putTypedPerFilterConfig(NAME, Any.pack(toProto(v)));
    }

    static RequestValidationPerRoute toProto(Ir.Validation v) {
        RequestValidationPerRoute.Builder p = RequestValidationPerRoute.newBuilder().setPolicy(v.policy())
                .setMaxUriBytes(v.maxUriBytes()).setMaxHeadersBytes(v.maxHeadersBytes()).setMaxHeaders(v.maxHeaders())
                .setMaxBodyBytes(v.maxBodyBytes()).addAllMethods(v.methods()).addAllContentTypes(v.contentTypes());
        if (v.jsonSchema() != null) p.setJsonSchema(v.jsonSchema());
        if (v.openApi() != null) p.setOpenapi(v.openApi());
        if (v.failClosedStatus() != 0) {
            p.setFailClosedStatus(v.failClosedStatus()).setFailClosedReason(v.failClosedReason());
        }
        return p.build();
    }
}
