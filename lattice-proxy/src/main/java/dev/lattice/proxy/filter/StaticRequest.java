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
}
