package dev.lattice.proxy.http;

import dev.lattice.proxy.config.ClusterConfig;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.net.InetSocketAddress;

/** A cluster ready for the data path: resolved endpoint addresses (IP literals) and pre-bound counters. */
final class ClusterRuntime {
    final ClusterConfig config;
    final String name;
    final InetSocketAddress[] endpoints;
    /** The endpoints as session persistence names them ({@link SessionPersistence#key}), same order. */
    final String[] endpointKeys;
    final boolean h2;
    /** The cluster's upstream TLS, or null for plain TCP. */
    final UpstreamTls tls;
    final boolean leastRequest;
    final int connectTimeoutMillis;
    final CounterDataPoint connectionsOpened;
    final CounterDataPoint connectFailures;

    ClusterRuntime(ClusterConfig config, CounterDataPoint connectionsOpened, CounterDataPoint connectFailures) {
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
        this.leastRequest = config.lbPolicy() == ClusterConfig.LbPolicy.LEAST_REQUEST;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.connectTimeout().toMillis()));
        this.connectionsOpened = connectionsOpened;
        this.connectFailures = connectFailures;
    }
}
