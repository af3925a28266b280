package dev.lattice.proxy.filter;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Map;

/**
 * A request given by value, for evaluating filters outside the proxy ({@code lattice authz check}, tests). Header
 * names are matched in lower case; {@code remoteAddress} is the direct peer.
 */
public record StaticRequest(String method, String pathAndQuery, String authority, int destinationPort,
                            InetAddress directRemoteAddress, String principal, String requestedServerName,
                            Map<String, String> headers) implements RequestView {
    public StaticRequest {
        headers = Map.copyOf(headers.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue, (a, b) -> a + "," + b)));
    }

    @Override
    public String path() {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    @Override
    public InetAddress remoteAddress() {
        return directRemoteAddress;
    }

    @Override
    public CharSequence header(String name) {
        return headers.get(name);
    }

    /** This request as if a JWT filter had verified {@code auth} on it (null: no token), for filters that read it. */
    public RequestView withAuth(RequestAuth auth) {
        return new Authed(this, auth);
    }

    private record Authed(StaticRequest r, RequestAuth auth) implements RequestView {
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
}
