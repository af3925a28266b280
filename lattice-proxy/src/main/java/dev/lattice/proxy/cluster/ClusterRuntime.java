package dev.lattice.proxy.cluster;

import dev.lattice.proxy.config.ClusterConfig;
import dev.lattice.proxy.filter.session.SessionPersistence;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.net.InetSocketAddress;

/** A cluster ready for the data path: resolved endpoint addresses (IP literals) and pre-bound counters. */
public final class ClusterRuntime {
    public final ClusterConfig config;
    final String name;
    public final InetSocketAddress[] endpoints;
    /** The endpoints as session persistence names them ({@link SessionPersistence#key}), same order. */
    public final String[] endpointKeys;
    final boolean h2;
    /** The cluster's upstream TLS, or null for plain TCP. */
    final UpstreamTls tls;
    /** Per endpoint (same order): the cluster's {@link #tls}, or mesh mTLS for an endpoint with a sidecar. */
    final UpstreamTls[] endpointTls;
    final boolean leastRequest;
    final int connectTimeoutMillis;
    public final CounterDataPoint connectionsOpened;
    public final CounterDataPoint connectFailures;

    ClusterRuntime(ClusterConfig config, CounterDataPoint connectionsOpened, CounterDataPoint connectFailures) {
        this(config, connectionsOpened, connectFailures, null);
    }

    public ClusterRuntime(ClusterConfig config, CounterDataPoint connectionsOpened, CounterDataPoint connectFailures,
            dev.lattice.proxy.tls.MeshIdentity identity) {
        this.config = config;
        this.name = config.name();
        this.endpoints = new InetSocketAddress[config.endpoints().size()];
        for (int i = 0; i < endpoints.length; i++) {
            ClusterConfig.Endpoint e = config.endpoints().get(i);
            // IP literals only (checked by the xDS parser), so this does not touch DNS
            endpoints[i] = new InetSocketAddress(e.host(), e.port());
        }
        this.endpointKeys = new String[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            endpointKeys[i] = SessionPersistence.key(endpoints[i]);
        }
        this.h2 = config.protocol() == ClusterConfig.UpstreamProtocol.H2C;
        this.tls = config.tls() == null ? null : UpstreamTls.build(config.tls(), config.protocol());
        UpstreamTls mesh = config.meshTls() == null ? null : UpstreamTls.mesh(identity, config.meshTls(), config.protocol(),
                config.meshHttp2() && UpstreamTls.MESH_HTTP2_ENABLED);
        this.endpointTls = new UpstreamTls[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            endpointTls[i] = mesh != null && config.endpoints().get(i).mtls() ? mesh : tls;
        }
        this.leastRequest = config.lbPolicy() == ClusterConfig.LbPolicy.LEAST_REQUEST;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.connectTimeout().toMillis()));
        this.connectionsOpened = connectionsOpened;
        this.connectFailures = connectFailures;
    }
}
