package dev.lattice.proxy.filter;

import java.net.InetAddress;

/**
 * A {@link StaticRequest} carrying what a JWT filter verified ({@code auth}, null: no token), for tests of the filters
 * that read {@link RequestView#requestAuth()} (authorization, rate limits) without running the JWT filter.
 */
public record AuthedRequest(StaticRequest r, RequestAuth auth) implements RequestView {
    @Override public String method() { return r.method(); }
    @Override public String path() { return r.path(); }
    @Override public String pathAndQuery() { return r.pathAndQuery(); }
    @Override public String authority() { return r.authority(); }
    @Override public int destinationPort() { return r.destinationPort(); }
    @Override public InetAddress directRemoteAddress() { return r.directRemoteAddress(); }
    @Override public InetAddress remoteAddress() { return r.remoteAddress(); }
    @Override public String principal() { return r.principal(); }
    @Override public String requestedServerName() { return r.requestedServerName(); }
    @Override public CharSequence header(String name) { return r.header(name); }
    @Override public RequestAuth requestAuth() { return auth; }
}
