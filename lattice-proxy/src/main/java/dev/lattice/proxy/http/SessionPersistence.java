package dev.lattice.proxy.http;

import dev.lattice.proxy.config.SessionPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * A route's session persistence, compiled (docs/xds.md, "Session persistence"). The session value names an endpoint
 * as Envoy's stateful session does, {@code base64("ip:port")}, or {@code base64("ip:port;expiry")} (epoch seconds)
 * when the session has a lifetime. A value that does not decode, has expired, or names no endpoint of the route's
 * clusters is ignored: the balancer picks, and the response carries the new value. Knowing the encoding only lets a
 * client choose among the route's own endpoints. Only routes with session persistence ever reach this class.
 */
public final class SessionPersistence {
    private static final int MAX_VALUE_LENGTH = 256;
    final SessionPolicy policy;
    final boolean cookie;
    private final String name;
    private final AsciiString headerName;
    private final String cookieAttributes;
    private final long lifetimeSeconds;

    SessionPersistence(SessionPolicy p) {
        this.policy = p;
        this.cookie = p.kind() == SessionPolicy.Kind.COOKIE;
        this.name = p.name();
        this.headerName = cookie ? null : AsciiString.cached(p.name());
        StringBuilder a = new StringBuilder();
        if (p.cookiePath() != null) {
            a.append("; Path=").append(p.cookiePath());
        }
        if (!p.cookieTtl().isZero()) {
            a.append("; Max-Age=").append(Math.max(1, p.cookieTtl().toSeconds()));
        }
        a.append("; HttpOnly");
        this.cookieAttributes = a.toString();
        this.lifetimeSeconds = p.lifetime().toSeconds();
    }

    /** The "ip:port" key that the request's session names, or null (none, malformed, or expired at {@code now}). */
    String requestedEndpoint(HttpHeaders h, long nowSeconds) {
        String v = cookie ? cookieValue(h.getAll(HttpHeaderNames.COOKIE), name) : h.get(headerName);
        return v == null ? null : decode(v, nowSeconds);
    }

    /** Sets the cookie or header that names {@code endpoint} on a response (the session starts at {@code now}). */
    void respond(HttpHeaders h, InetSocketAddress endpoint, long nowSeconds, boolean secure) {
        String value = encode(key(endpoint), lifetimeSeconds == 0 ? 0 : nowSeconds + lifetimeSeconds);
        if (cookie) {
            h.add(HttpHeaderNames.SET_COOKIE, name + "=" + value + cookieAttributes + (secure ? "; Secure" : ""));
        } else {
            h.set(headerName, value);
        }
    }

    /** "ip:port", with brackets for IPv6, as an endpoint is named in a session value. */
    public static String key(InetSocketAddress a) {
        String ip = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (a.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }

    /** The session value for {@code key}; {@code expiry} 0 means none. */
    static String encode(String key, long expiry) {
        String plain = expiry == 0 ? key : key + ";" + expiry;
        return Base64.getEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The endpoint key in a session value, or null when it is malformed or expired. */
    static String decode(String value, long nowSeconds) {
        String v = value.trim();
        if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
            v = v.substring(1, v.length() - 1);
        }
        if (v.isEmpty() || v.length() > MAX_VALUE_LENGTH) {
            return null;
        }
        String plain;
        try {
            plain = new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int semi = plain.indexOf(';');
        if (semi < 0) {
            return plain;
        }
        try {
            long expiry = Long.parseLong(plain.substring(semi + 1));
            return expiry > nowSeconds ? plain.substring(0, semi) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The value of cookie {@code name} among the request's Cookie headers ({@code a=1; b=2}), or null. */
    static String cookieValue(List<String> headers, String name) {
        for (String header : headers) {
            int i = 0;
            int n = header.length();
            while (i < n) {
                int end = header.indexOf(';', i);
                if (end < 0) {
                    end = n;
                }
                int eq = header.indexOf('=', i);
                if (eq > 0 && eq < end) {
                    int s = i;
                    while (s < eq && header.charAt(s) == ' ') {
                        s++;
                    }
                    if (eq - s == name.length() && header.regionMatches(s, name, 0, name.length())) {
                        return header.substring(eq + 1, end).trim();
                    }
                }
                i = end + 1;
            }
        }
        return null;
    }
}
