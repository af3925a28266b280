package dev.lattice.proxy.filter;

import java.util.List;
import java.util.Map;

/**
 * What end-user authentication verified on one request (the JWT filter, as Envoy's {@code payload_in_metadata}), for
 * the filters after it: authorization's {@code requestPrincipals} ({@code iss/sub}) and {@code request.auth.*}.
 * {@code claims} is the token's payload (JSON values: String, Number, Boolean, List, Map).
 */
public record RequestAuth(String issuer, String subject, List<String> audiences, Map<String, Object> claims) {
    /** {@code iss/sub}, Istio's request principal. */
    public String principal() {
        return (issuer == null ? "" : issuer) + "/" + (subject == null ? "" : subject);
    }

    /** A claim by name, or a nested one with dots ({@code a.b}) when no claim has the whole name; null when absent. */
    public Object claim(String name) {
        return claim(claims, name);
    }

    public static Object claim(Map<String, Object> claims, String name) {
        Object v = claims.get(name);
        if (v != null || name.indexOf('.') < 0) return v;
        Object cur = claims;
        for (String part : name.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) return null;
            cur = m.get(part);
        }
        return cur;
    }

    /**
     * The values of a claim for matching: a string as one, a list of strings as each, numbers and booleans as
     * JSON writes them; a path of names ({@code a}, {@code b} of Istio's {@code claims[a][b]}) reaches nested ones.
     */
    public List<String> values(List<String> path) {
        Object cur = claims;
        for (String p : path) {
            if (!(cur instanceof Map<?, ?> m)) return List.of();
            cur = m.get(p);
        }
        if (cur instanceof String s) return List.of(s);
        if (cur instanceof Number || cur instanceof Boolean) return List.of(cur.toString());
        if (cur instanceof List<?> l) return l.stream().filter(x -> x instanceof String || x instanceof Number || x instanceof Boolean).map(Object::toString).toList();
        return List.of();
    }
}
