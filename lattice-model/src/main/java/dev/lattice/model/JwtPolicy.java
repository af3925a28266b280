package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * lattice.dev/v1alpha1 JWTPolicy: end-user authentication of the requests to its targets (Gateway [listener],
 * HTTPRoute/GRPCRoute [rule], Service), in the shape of Envoy Gateway's SecurityPolicy {@code jwt}: a request must
 * carry a token one of {@code providers} verifies (signature by the provider's key set, {@code iss}, {@code aud},
 * {@code exp}/{@code nbf}/{@code iat} with 60 s of skew), or none at all when {@code optional}; anything else is a
 * {@code 401}. Each provider's keys come inline ({@code localJWKS.inline}) or from {@code remoteJWKS.uri}, which the
 * control plane fetches (never the proxy).
 */
public record JwtPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, List<Provider> providers, boolean optional)
        implements MeshObject {
    public static final String KIND = "JWTPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS = List.of(PolicyTargetRef.GATEWAY, PolicyTargetRef.HTTP_ROUTE,
            PolicyTargetRef.GRPC_ROUTE, PolicyTargetRef.SERVICE);

    /** Where a token is looked for: a header (with the prefix its value starts with), a cookie, a query parameter. */
    public record HeaderSource(String name, String valuePrefix) {
        public HeaderSource {
            requireNonNull(name, "name");
            requireNonNull(valuePrefix, "valuePrefix");
        }
    }

    /** {@code headers}, {@code cookies} and {@code params}; the default is {@code Authorization: Bearer <token>}. */
    public record ExtractFrom(List<HeaderSource> headers, List<String> cookies, List<String> params) {
        public static final ExtractFrom DEFAULT = new ExtractFrom(List.of(new HeaderSource("Authorization", "Bearer ")), List.of(), List.of());

        public ExtractFrom {
            headers = List.copyOf(headers);
            cookies = List.copyOf(cookies);
            params = List.copyOf(params);
        }
    }

    /** Copies a verified claim (a top-level one, or a nested one with dots) into a request header. */
    public record ClaimToHeader(String claim, String header) {
        public ClaimToHeader {
            requireNonNull(claim, "claim");
            requireNonNull(header, "header");
        }
    }

    /**
     * One issuer: {@code localJwks} (the JWKS document) or {@code remoteJwksUri} (http or https), exactly one of them.
     * {@code issuer} null: any; {@code audiences} empty: any.
     */
    public record Provider(String name, String issuer, List<String> audiences, String remoteJwksUri, String localJwks,
                           ExtractFrom extractFrom, List<ClaimToHeader> claimToHeaders) {
        public Provider {
            requireNonNull(name, "name");
            audiences = List.copyOf(audiences);
            requireNonNull(extractFrom, "extractFrom");
            claimToHeaders = List.copyOf(claimToHeaders);
        }
    }

    public JwtPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
        providers = List.copyOf(providers);
    }

    @Override
    public String kind() {
        return KIND;
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    static JwtPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "providers", "optional");
        Field tf = spec.get("targetRefs");
        if (!tf.present()) tf.problem("required: the Gateway, HTTPRoute, GRPCRoute or Service it protects");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(tf, TARGETS);
        boolean optional = spec.get("optional").bool(false);
        Field pf = spec.get("providers");
        List<Field> pl = pf.list();
        if (pl.isEmpty()) pf.problem("required: at least one provider");
        if (pl.size() > 8) pf.problem("at most 8 providers");
        List<Provider> providers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Field p : pl) {
            if (!p.object()) continue;
            p.known("name", "issuer", "audiences", "remoteJWKS", "localJWKS", "extractFrom", "claimToHeaders");
            Field nf = p.get("name");
            String name = nf.requiredString();
            if (!name.isEmpty() && !NAME.matcher(name).matches()) nf.problem("\"" + name + "\" is not a DNS label (lower case letters, digits and '-')");
            if (!name.isEmpty() && !names.add(name)) nf.problem("repeats the provider name \"" + name + "\"");
            String issuer = p.get("issuer").string(null);
            if (issuer != null && issuer.isEmpty()) issuer = null;
            List<String> audiences = p.get("audiences").strings();
            for (String a : audiences) if (a.isEmpty()) p.get("audiences").problem("must not hold an empty value");
            Field rf = p.get("remoteJWKS");
            Field lf = p.get("localJWKS");
            String uri = null;
            String local = null;
            if (rf.present() == lf.present()) {
                p.problem("needs exactly one of remoteJWKS and localJWKS");
            }
            if (rf.present() && rf.object()) {
                rf.known("uri");
                Field uf = rf.get("uri");
                uri = uf.requiredString();
                if (!uri.isEmpty()) {
                    String bad = badUri(uri);
                    if (bad != null) uf.problem(bad);
                }
            }
            if (lf.present() && lf.object()) {
                lf.known("inline");
                Field inf = lf.get("inline");
                local = inf.requiredString();
                if (!local.isEmpty()) {
                    String bad = badJwks(local);
                    if (bad != null) inf.problem(bad);
                }
            }
            ExtractFrom from = ExtractFrom.DEFAULT;
            Field ef = p.get("extractFrom");
            if (ef.present() && ef.object()) {
                ef.known("headers", "cookies", "params");
                List<HeaderSource> headers = new ArrayList<>();
                for (Field h : ef.get("headers").list()) {
                    if (!h.object()) continue;
                    h.known("name", "valuePrefix");
                    String hn = h.get("name").requiredString();
                    if (!hn.isEmpty() && !TOKEN.matcher(hn).matches()) h.get("name").problem("\"" + hn + "\" is not a header name");
                    headers.add(new HeaderSource(hn, h.get("valuePrefix").string("")));
                }
                List<String> cookies = ef.get("cookies").strings();
                for (String c : cookies) if (c.isEmpty() || !TOKEN.matcher(c).matches()) ef.get("cookies").problem("\"" + c + "\" is not a cookie name");
                List<String> params = ef.get("params").strings();
                for (String q : params) if (q.isEmpty()) ef.get("params").problem("must not hold an empty value");
                if (headers.isEmpty() && cookies.isEmpty() && params.isEmpty()) ef.problem("needs at least one of headers, cookies and params");
                from = new ExtractFrom(headers, cookies, params);
            }
            List<ClaimToHeader> claims = new ArrayList<>();
            for (Field c : p.get("claimToHeaders").list()) {
                if (!c.object()) continue;
                c.known("claim", "header");
                String claim = c.get("claim").requiredString();
                String header = c.get("header").requiredString();
                if (!header.isEmpty() && !TOKEN.matcher(header).matches()) c.get("header").problem("\"" + header + "\" is not a header name");
                claims.add(new ClaimToHeader(claim, header));
            }
            providers.add(new Provider(name, issuer, audiences, uri, local, from, claims));
        }
        return new JwtPolicy(meta, targets, providers, optional);
    }

    /** Why a remote JWKS URI is not usable, or null. */
    static String badUri(String uri) {
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                return "\"" + uri + "\" must be an http or https URL";
            }
            if (u.getHost() == null || u.getHost().isEmpty()) return "\"" + uri + "\" has no host";
            return null;
        } catch (Exception e) {
            return "\"" + uri + "\" is not a URL: " + e.getMessage();
        }
    }

    /**
     * Why a JWKS document is not usable, or null: it must be a JSON object with a non-empty {@code keys} list of
     * objects each with a {@code kty} (the proxy parses the keys themselves and refuses what it cannot use).
     */
    public static String badJwks(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (Exception e) {
            return "is not a JWKS: not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        if (n == null || !n.isObject()) return "is not a JWKS: not a JSON object";
        JsonNode keys = n.get("keys");
        if (keys == null || !keys.isArray() || keys.isEmpty()) return "is not a JWKS: needs a non-empty \"keys\" list";
        for (int i = 0; i < keys.size(); i++) {
            JsonNode k = keys.get(i);
            if (!k.isObject() || !k.path("kty").isTextual()) return "is not a JWKS: keys[" + i + "] has no \"kty\"";
        }
        return null;
    }
}
