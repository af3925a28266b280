package dev.lattice.proxy.filter.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestAuth;
import dev.lattice.proxy.filter.RequestView;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * Envoy's {@code envoy.filters.http.jwt_authn} for one connection manager: each route names a requirement (its
 * {@code PerRouteConfig}); a route without one passes untouched. A requirement is satisfied by a token that one of
 * its providers verifies: found where that provider looks (headers with a value prefix, cookies, query parameters),
 * a JWS with an algorithm of {@link #ALGORITHMS} ({@code alg: none} and HMAC never), a key of the provider's set (by
 * {@code kid} when the token names one) whose signature checks, {@code iss} the provider's, an {@code aud} among its
 * audiences, and {@code exp}, {@code nbf}, {@code iat} within {@value #SKEW_SECONDS} s of skew. A request without any
 * token passes only when the requirement allows it ({@code allow_missing}) and every provider of it has keys (a key
 * set never fetched fails closed); anything else is answered {@code 401} with {@code WWW-Authenticate: Bearer} as
 * RFC 6750 §3 says and never reaches the app. The verified claims are copied to headers ({@code claim_to_headers},
 * a header a client sent under that name is dropped first) and handed on to authorization ({@link RequestAuth}).
 * A token verified once is remembered with what it gives ({@link VerifiedTokens}: bounded, lock-free, exp/nbf checked
 * again on each hit), so a client that sends the same token again costs a table lookup, not a signature check.
 */
final class JwtAuthnFilter implements HttpFilter {
    static final int SKEW_SECONDS = 60;
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    static final String REALM = "lattice";

    /** Why a request is refused: the RFC 6750 error description of each. */
    enum Failure {
        MISSING("Jwt is missing"),
        MALFORMED("Jwt is not in the form of Header.Payload.Signature"),
        ALGORITHM("Jwt algorithm is not allowed"),
        ISSUER("Jwt issuer is not configured"),
        AUDIENCE("Audiences in Jwt are not allowed"),
        EXPIRED("Jwt is expired"),
        NOT_YET_VALID("Jwt not yet valid"),
        ISSUED_IN_FUTURE("Jwt issued in the future"),
        NO_KEY("Jwks doesn't have key to match kid or alg from Jwt"),
        SIGNATURE("Jwt verification fails"),
        UNKNOWN_REQUIREMENT("Jwt requirement is not configured");

        final String description;
        final LocalReply reply;

        Failure(String description) {
            this.description = description;
            HttpHeaders h = new DefaultHttpHeaders();
            // RFC 6750 §3: no error code when the request carried no credentials; invalid_token when it carried a bad one
            h.set("www-authenticate", description.equals("Jwt is missing") ? "Bearer realm=\"" + REALM + "\""
                    : "Bearer realm=\"" + REALM + "\", error=\"invalid_token\", error_description=\"" + description + "\"");
            byte[] body = (description).getBytes(StandardCharsets.UTF_8);
            this.reply = new LocalReply(401, body, description, 16, h);
        }
    }

    /** A requirement: any one of {@code providers}, or no token at all when {@code allowMissing}. */
    record Requirement(List<JwtProviderConfig> providers, boolean allowMissing) {
        Requirement {
            providers = List.copyOf(providers);
            allowMissing = allowMissing && providers.stream().noneMatch(p -> p.keys().isEmpty());
        }
    }

    /** A route's config: the requirement it names. */
    record PerRoute(String requirementName) {}

    private final Map<String, Requirement> requirements;
    private final Map<Failure, CounterDataPoint> denied;
    private final CounterDataPoint allowed;
    /** The tokens this compiled filter verified (a new config, new keys: a new filter, an empty table). */
    private final VerifiedTokens verified = new VerifiedTokens();

    /** The wall clock in milliseconds (tests move it). */
    private final java.util.function.LongSupplier clock;

    JwtAuthnFilter(Map<String, Requirement> requirements, Map<Failure, CounterDataPoint> denied, CounterDataPoint allowed) {
        this(requirements, denied, allowed, System::currentTimeMillis);
    }

    JwtAuthnFilter(Map<String, Requirement> requirements, Map<Failure, CounterDataPoint> denied, CounterDataPoint allowed,
                   java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.requirements = Map.copyOf(requirements);
        this.denied = denied;
        this.allowed = allowed;
    }

    VerifiedTokens verified() {
        return verified;
    }

    Map<String, Requirement> requirements() {
        return requirements;
    }

    @Override
    public LocalReply onRequestHeaders(RequestView request) {
        return null;
    }

    @Override
    public LocalReply onRequestHeaders(RequestView request, Object routeConfig) {
        if (!(routeConfig instanceof PerRoute pr)) return null;
        Requirement req = requirements.get(pr.requirementName());
        if (req == null) return deny(Failure.UNKNOWN_REQUIREMENT);
        Failure first = null;
        boolean found = false;
        for (JwtProviderConfig p : req.providers()) {
            // the token: a region of a header's value (looked up in place, copied out only to be verified), or the
            // value of a cookie or query parameter
            String src = null;
            long region = -1;
            for (JwtProviderConfig.HeaderSource h : p.headers()) {
                CharSequence v = request.header(h.name());
                if (v == null) continue;
                String s = v.toString();
                region = region(s, h.valuePrefix());
                if (region >= 0) {
                    src = s;
                    break;
                }
            }
            if (src == null) {
                src = otherSources(request, p);
                if (src == null) continue;
                region = src.length();
            }
            int from = (int) (region >>> 32);
            int to = (int) region;
            found = true;
            long now = clock.getAsLong();
            VerifiedTokens.Entry hit = verified.get(src, from, to, p, now);
            if (hit != null) {
                accept(request, hit);
                return null;
            }
            String token = from == 0 && to == src.length() ? src : src.substring(from, to);
            Object r = verify(p, token, now);
            if (r instanceof JWTClaimsSet claims) {
                VerifiedTokens.Entry e = entry(token, p, claims);
                verified.put(e);
                accept(request, e);
                return null;
            }
            if (first == null) first = (Failure) r;
        }
        if (!found) {
            if (req.allowMissing()) {
                // a client must not pose as a verified one: the claim headers go even without a token
                for (JwtProviderConfig p : req.providers()) for (JwtProviderConfig.ClaimHeader c : p.claimToHeaders()) request.upstreamHeaders().remove(c.header());
                return null;
            }
            return deny(Failure.MISSING);
        }
        return deny(first);
    }

    private LocalReply deny(Failure f) {
        CounterDataPoint a = denied.get(f);
        if (a != null) a.inc();
        return f.reply;
    }

    /** What a verified token gives each request that carries it, computed once and kept in {@link #verified}. */
    static VerifiedTokens.Entry entry(String token, JwtProviderConfig p, JWTClaimsSet claims) {
        String[] headers = new String[p.claimToHeaders().size() * 2];
        for (int i = 0; i < p.claimToHeaders().size(); i++) {
            JwtProviderConfig.ClaimHeader c = p.claimToHeaders().get(i);
            headers[2 * i] = c.header();
            headers[2 * i + 1] = claimValue(claims, c.claim());
        }
        Date exp = claims.getExpirationTime();
        Date nbf = claims.getNotBeforeTime();
        return new VerifiedTokens.Entry(token, p,
                new RequestAuth(claims.getIssuer(), claims.getSubject(), claims.getAudience(), claims.getClaims()),
                headers, exp == null ? VerifiedTokens.NONE : exp.getTime(), nbf == null ? VerifiedTokens.NONE : nbf.getTime());
    }

    private void accept(RequestView request, VerifiedTokens.Entry e) {
        allowed.inc();
        String[] ch = e.claimHeaders();
        if (ch.length > 0) {
            HttpHeaders h = request.upstreamHeaders();
            for (int i = 0; i < ch.length; i += 2) {
                h.remove(ch[i]);
                if (ch[i + 1] != null) h.set(ch[i], ch[i + 1]);
            }
        }
        request.setRequestAuth(e.auth());
    }

    /** A claim as a header value: strings as they are, numbers and booleans as JSON writes them; others not copied. */
    static String claimValue(JWTClaimsSet claims, String name) {
        Object v = RequestAuth.claim(claims.getClaims(), name);
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof Date d) return Long.toString(d.getTime() / 1000);
        if (v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(x -> x instanceof String)) return String.join(",", (List<String>) l);
        return null;
    }

    /** The claims of a token {@code p} verifies, or the {@link Failure}. */
    static Object verify(JwtProviderConfig p, String token, long nowMillis) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token); // a header with alg none, or no JSON, or not three parts: ParseException
        } catch (ParseException e) {
            return Failure.MALFORMED;
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!ALGORITHMS.contains(alg)) return Failure.ALGORITHM;
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return Failure.MALFORMED;
        }
        if (p.issuer() != null && !p.issuer().equals(claims.getIssuer())) return Failure.ISSUER;
        if (!p.audiences().isEmpty()) {
            List<String> aud = claims.getAudience();
            boolean ok = false;
            for (String a : aud) if (p.audiences().contains(a)) ok = true;
            if (!ok) return Failure.AUDIENCE;
        }
        long skew = SKEW_SECONDS * 1000L;
        Date exp = claims.getExpirationTime();
        if (exp != null && nowMillis > exp.getTime() + skew) return Failure.EXPIRED;
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nowMillis + skew < nbf.getTime()) return Failure.NOT_YET_VALID;
        Date iat = claims.getIssueTime();
        if (iat != null && nowMillis + skew < iat.getTime()) return Failure.ISSUED_IN_FUTURE;
        String kid = jwt.getHeader().getKeyID();
        boolean candidate = false;
        for (JwtProviderConfig.Key k : p.keys()) {
            if (kid != null && k.kid() != null && !kid.equals(k.kid())) continue;
            if (!k.algorithms().contains(alg)) continue;
            candidate = true;
            try {
                if (jwt.verify(k.verifier())) return claims;
            } catch (JOSEException | IllegalStateException e) {
                // a key that cannot check this signature: try the next one
            }
        }
        return candidate ? Failure.SIGNATURE : Failure.NO_KEY;
    }

    /**
     * Where the token is in a header value, as {@code from << 32 | to}, or -1 when there is none: after {@code prefix}
     * (case-insensitive; at the start of the value or of a value after a comma, a joined repeated header; an empty
     * prefix: the start), up to the next comma, without surrounding white space, not empty.
     */
    static long region(String s, String prefix) {
        int at = 0;
        if (!prefix.isEmpty()) {
            at = indexOfIgnoreCase(s, prefix);
            if (at < 0) return -1;
            at += prefix.length();
        }
        int end = s.indexOf(',', at);
        if (end < 0) end = s.length();
        while (at < end && s.charAt(at) <= ' ') at++;
        while (end > at && s.charAt(end - 1) <= ' ') end--;
        return at < end ? (long) at << 32 | end : -1;
    }

    /** The token from {@code p}'s cookies, then its query parameters, or null. */
    private static String otherSources(RequestView r, JwtProviderConfig p) {
        if (!p.cookies().isEmpty()) {
            CharSequence c = r.header("cookie");
            if (c != null) {
                for (String name : p.cookies()) {
                    String t = cookie(c.toString(), name);
                    if (t != null && !t.isEmpty()) return t;
                }
            }
        }
        if (!p.params().isEmpty()) {
            String pq = r.pathAndQuery();
            int q = pq.indexOf('?');
            if (q >= 0) {
                for (String name : p.params()) {
                    String t = param(pq, q + 1, name);
                    if (t != null && !t.isEmpty()) return t;
                }
            }
        }
        return null;
    }

    private static int indexOfIgnoreCase(String s, String prefix) {
        // the prefix starts the value, or a value after a comma (a joined repeated header)
        int from = 0;
        while (from <= s.length() - prefix.length()) {
            while (from < s.length() && s.charAt(from) == ' ') from++;
            if (s.regionMatches(true, from, prefix, 0, prefix.length())) return from;
            int comma = s.indexOf(',', from);
            if (comma < 0) return -1;
            from = comma + 1;
        }
        return -1;
    }

    static String cookie(String header, String name) {
        for (String part : header.split(";")) {
            String kv = part.trim();
            int eq = kv.indexOf('=');
            if (eq == name.length() && kv.startsWith(name)) {
                String v = kv.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                return v;
            }
        }
        return null;
    }

    static String param(String pq, int from, String name) {
        for (String part : pq.substring(from).split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            if (decode(k).equals(name)) return eq < 0 ? "" : decode(part.substring(eq + 1));
        }
        return null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
