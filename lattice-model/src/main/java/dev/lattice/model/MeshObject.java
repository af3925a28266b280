package dev.lattice.model;

/** The typed view of a resource of a kind Lattice knows. Read one with {@link Models#read(Resource)}. */
public sealed interface MeshObject permits Service, Namespace, Workload, GatewayClass, Gateway, HttpRoute, TcpRoute, ReferenceGrant,
        Secret, TlsRoute, GrpcRoute, EndpointSlice, ConfigMap, BackendTlsPolicy, ListenerSet, MeshConfig, MtlsPolicy, AuthorizationPolicy,
        TrafficTarget, HttpRouteGroup, SmiTcpRoute, RequestValidationPolicy, RateLimitPolicy, JwtPolicy,
        ClientTrafficPolicy {
    ObjectMeta meta();

    default ResourceKey key() {
        return new ResourceKey(kind(), meta().namespace(), meta().name());
    }

    String kind();
}
