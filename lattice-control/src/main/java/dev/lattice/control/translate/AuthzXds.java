package dev.lattice.control.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.AuthorizationPolicy;
import dev.lattice.model.AuthorizationPolicy.Action;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Authorization IR → Envoy RBAC HTTP filters (docs/xds.md, "Authorization: RBAC filters"), in the one order the
 * connection manager runs them: {@code lattice.authz.audit} (LOG: sees every request), {@code lattice.authz.deny},
 * {@code lattice.authz.allow} (only when an enforced or dry-run ALLOW policy applies). Each rule of a policy is one
 * RBAC policy named {@code <Kind>/<ns>/<name>/rules/<i>}; dry-run policies go into {@code shadow_rules}.
 *
 * <p>A rule is one permission ({@code to} as an OR of operations, AND the destination-side conditions) and one
 * principal ({@code from} as an OR of sources, AND the request-side conditions), as Istio generates them. What the
 * proxy cannot see yet is decided here: {@code ports} and {@code destination.port} against the listener's application
 * port. {@code requestPrincipals} and {@code request.auth.*} are {@code metadata} principals on what the JWT filter
 * (which runs before RBAC, {@link FilterOrder}) verified, as Istio generates them but under the JWT filter's
 * namespace {@value #AUTHN_FILTER}: path {@code request.auth.principal} ({@code iss/sub}, a string match),
 * {@code request.auth.presenter} (string), {@code request.auth.audiences} (list), {@code request.auth.claims} +
 * the claim names (list: a list claim with one matching item, or a scalar claim that matches). A request without a
 * verified token has none of them: values never match it, {@code not} forms always do.
 */
final class AuthzXds {
    static final String AUDIT = "lattice.authz.audit";
    static final String DENY = "lattice.authz.deny";
    static final String ALLOW = "lattice.authz.allow";
    static final String DRY_RUN_PREFIX = "dry_run_";
    static final String AUTHN_FILTER = "envoy.filters.http.jwt_authn";

    private AuthzXds() {}

    /** The filters, in order; empty when {@code authz} is null. */
    static List<HttpFilter> filters(Ir.Authz authz) {
        if (authz == null) return List.of();
        List<HttpFilter> out = new ArrayList<>();
        filter(out, AUDIT, authz, Action.AUDIT, RBAC.Action.LOG);
        filter(out, DENY, authz, Action.DENY, RBAC.Action.DENY);
        filter(out, ALLOW, authz, Action.ALLOW, RBAC.Action.ALLOW);
        return out;
    }

    private static void filter(List<HttpFilter> out, String name, Ir.Authz authz, Action action, RBAC.Action rbac) {
        RBAC.Builder rules = null;
        RBAC.Builder shadow = null;
        for (Ir.AuthzPolicy p : authz.policies()) {
            if (p.action() != action) continue;
            boolean dry = p.dryRun() && action != Action.AUDIT;
            RBAC.Builder into;
            if (dry) {
                if (shadow == null) shadow = RBAC.newBuilder().setAction(rbac);
                into = shadow;
            } else {
                if (rules == null) rules = RBAC.newBuilder().setAction(rbac);
                into = rules;
            }
            boolean invalid = p.name().endsWith("/invalid");
            for (int i = 0; i < p.rules().size(); i++) {
                into.putPolicies(invalid ? p.name() : p.name() + "/rules/" + i, policy(p.rules().get(i), authz.appPort(), authz.address()));
            }
        }
        if (rules == null && shadow == null) return;
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.Builder f =
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder();
        if (rules != null) f.setRules(rules);
        if (shadow != null) f.setShadowRules(shadow).setShadowRulesStatPrefix(DRY_RUN_PREFIX);
        out.add(HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(f.build())).build());
    }

    static Policy policy(AuthorizationPolicy.Rule r, int appPort, String address) {
        List<Permission> perms = new ArrayList<>();
        if (!r.to().isEmpty()) perms.add(orRules(r.to().stream().map(o -> operation(o, appPort)).toList()));
        List<Principal> ids = new ArrayList<>();
        if (!r.from().isEmpty()) ids.add(orIds(r.from().stream().map(AuthzXds::source).toList()));
        for (AuthorizationPolicy.Condition c : r.when()) {
            if (c.key().startsWith("destination.") || c.key().equals("connection.sni")) perms.add(condition(c, appPort, address));
            else ids.add(principalCondition(c));
        }
        return Policy.newBuilder().addPermissions(andRules(perms)).addPrincipals(andIds(ids)).build();
    }

    private static Permission operation(AuthorizationPolicy.Operation o, int appPort) {
        List<Permission> all = new ArrayList<>();
        anyOf(all, o.hosts(), o.notHosts(), AuthzXds::host);
        anyOf(all, o.methods(), o.notMethods(), m -> header(":method", StringMatcher.newBuilder().setExact(m).build()));
        anyOf(all, o.paths(), o.notPaths(), AuthzXds::path);
        if (!o.pathRegexes().isEmpty()) {
            all.add(orRules(o.pathRegexes().stream().map(re -> Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                    .setPath(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("(?:" + re + ").*")))).build()).toList()));
        }
        o.headerRegexes().forEach((name, re) -> all.add(header(name.toLowerCase(Locale.ROOT), StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(re)).build())));
        if (!o.ports().isEmpty()) all.add(o.ports().contains(appPort) ? ANY : NONE);
        if (!o.notPorts().isEmpty() && o.notPorts().contains(appPort)) all.add(NONE);
        return andRules(all);
    }

    private static void anyOf(List<Permission> into, List<String> values, List<String> notValues, Function<String, Permission> m) {
        if (!values.isEmpty()) into.add(orRules(values.stream().map(m).toList()));
        if (!notValues.isEmpty()) into.add(Permission.newBuilder().setNotRule(orRules(notValues.stream().map(m).toList())).build());
    }

    private static Principal source(AuthorizationPolicy.Source s) {
        List<Principal> all = new ArrayList<>();
        anyOfIds(all, s.principals(), s.notPrincipals(), AuthzXds::principal);
        anyOfIds(all, s.namespaces(), s.notNamespaces(), AuthzXds::namespace);
        anyOfIds(all, s.ipBlocks(), s.notIpBlocks(), ip -> Principal.newBuilder().setDirectRemoteIp(cidr(ip)).build());
        anyOfIds(all, s.requestPrincipals(), s.notRequestPrincipals(), v -> authn(List.of(PRINCIPAL_KEY), v, false));
        return andIds(all);
    }

    private static void anyOfIds(List<Principal> into, List<String> values, List<String> notValues, Function<String, Principal> m) {
        if (!values.isEmpty()) into.add(orIds(values.stream().map(m).toList()));
        if (!notValues.isEmpty()) into.add(Principal.newBuilder().setNotId(orIds(notValues.stream().map(m).toList())).build());
    }

    private static Permission condition(AuthorizationPolicy.Condition c, int appPort, String address) {
        return switch (c.key()) {
            case "destination.port" -> {
                String port = Integer.toString(appPort);
                boolean in = c.values().isEmpty() || c.values().contains(port);
                yield in && !c.notValues().contains(port) ? ANY : NONE;
            }
            case "connection.sni" -> {
                List<Permission> all = new ArrayList<>();
                anyOf(all, c.values(), c.notValues(), v -> Permission.newBuilder().setRequestedServerName(wildcard(v, false)).build());
                yield andRules(all);
            }
            // destination.ip: the listener's own address, known here
            default -> {
                boolean in = c.values().isEmpty() || c.values().stream().anyMatch(v -> contains(v, address));
                yield in && c.notValues().stream().noneMatch(v -> contains(v, address)) ? ANY : NONE;
            }
        };
    }

    private static Principal principalCondition(AuthorizationPolicy.Condition c) {
        String key = c.key();
        Function<String, Principal> m;
        if (key.startsWith("request.headers[")) {
            String name = key.substring("request.headers[".length(), key.length() - 1).toLowerCase(Locale.ROOT);
            m = v -> Principal.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(name).setStringMatch(wildcard(v, false))).build();
        } else if (key.equals("source.ip")) {
            m = v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build();
        } else if (key.equals("remote.ip")) {
            m = v -> Principal.newBuilder().setRemoteIp(cidr(v)).build();
        } else if (key.equals("source.namespace")) {
            m = AuthzXds::namespace;
        } else if (key.equals("source.principal")) {
            m = AuthzXds::principal;
        } else if (key.equals(PRINCIPAL_KEY) || key.equals("request.auth.presenter")) {
            m = v -> authn(List.of(key), v, false);
        } else if (key.equals("request.auth.audiences")) {
            m = v -> authn(List.of(key), v, true);
        } else {
            List<String> path = claimPath(key);
            m = v -> authn(path, v, true);
        }
        List<Principal> all = new ArrayList<>();
        anyOfIds(all, c.values(), c.notValues(), m);
        return andIds(all);
    }

    private static final String PRINCIPAL_KEY = "request.auth.principal";
    private static final String CLAIMS_KEY = "request.auth.claims";

    /** {@code request.auth.claims[a][b]} as the metadata path {@code request.auth.claims, a, b}. */
    static List<String> claimPath(String key) {
        List<String> out = new ArrayList<>();
        out.add(CLAIMS_KEY);
        int i = CLAIMS_KEY.length();
        while (i < key.length() && key.charAt(i) == '[') {
            int end = key.indexOf(']', i);
            out.add(key.substring(i + 1, end));
            i = end + 1;
        }
        return out;
    }

    /** A verified-token value at {@code path}: a string match, or (list) one item of a list match; {@code *} etc. as in principals. */
    private static Principal authn(List<String> path, String value, boolean list) {
        MetadataMatcher.Builder m = MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER);
        for (String k : path) m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(k));
        ValueMatcher str = ValueMatcher.newBuilder().setStringMatch(wildcard(value, false)).build();
        m.setValue(list ? ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder().setOneOf(str)).build() : str);
        return Principal.newBuilder().setMetadata(m).build();
    }

    /** Hosts match the Host header case-insensitively, with or without a port, as Istio's do. */
    private static Permission host(String h) {
        Permission plain = header(":authority", wildcard(h, true));
        if (h.equals("*") || h.endsWith("*") || h.contains(":")) return plain;
        String re = "(?i)" + (h.startsWith("*") ? ".*" + regexQuote(h.substring(1)) : regexQuote(h)) + ":[0-9]+";
        return orRules(List.of(plain, header(":authority", StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(re)).build())));
    }

    private static String regexQuote(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') b.append(c);
            else b.append('\\').append(c);
        }
        return b.toString();
    }

    /** Whether the IP literal {@code ip} is in the CIDR block (or is the address) {@code block}. */
    static boolean contains(String block, String ip) {
        if (ip == null) return false;
        try {
            int slash = block.indexOf('/');
            byte[] net = java.net.InetAddress.getByName(slash < 0 ? block : block.substring(0, slash)).getAddress();
            byte[] a = java.net.InetAddress.getByName(ip).getAddress();
            if (net.length != a.length) return false;
            int len = slash < 0 ? net.length * 8 : Integer.parseInt(block.substring(slash + 1));
            for (int i = 0; i < len; i++) {
                int bit = 7 - (i % 8);
                if (((net[i / 8] >> bit) & 1) != ((a[i / 8] >> bit) & 1)) return false;
            }
            return true;
        } catch (java.net.UnknownHostException | NumberFormatException e) {
            return false;
        }
    }

    private static Permission header(String name, StringMatcher m) {
        return Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(name).setStringMatch(m)).build();
    }

    private static Permission path(String p) {
        if (p.equals("*")) return ANY;
        return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(wildcard(p, false))).build();
    }

    /** {@code *} alone: any non-empty value; {@code x*}: prefix; {@code *x}: suffix; else exact. */
    static StringMatcher wildcard(String v, boolean ignoreCase) {
        StringMatcher.Builder b = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
        if (v.equals("*")) return b.setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).setIgnoreCase(false).build();
        if (v.endsWith("*")) return b.setPrefix(v.substring(0, v.length() - 1)).build();
        if (v.startsWith("*")) return b.setSuffix(v.substring(1)).build();
        return b.setExact(v).build();
    }

    /** A SPIFFE ID with or without {@code spiffe://}, {@code *} as the whole value (any peer with an identity), a prefix or a suffix. */
    static Principal principal(String v) {
        if (v.equals("*")) return AUTHENTICATED;
        String full = v.startsWith("spiffe://") || v.startsWith("*") ? v : "spiffe://" + v;
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(wildcard(full, false))).build();
    }

    /** A peer of namespace {@code ns}: its SPIFFE ID is {@code spiffe://<td>/ns/<ns>/...}; {@code *} as in principals. */
    static Principal namespace(String ns) {
        if (ns.equals("*")) return AUTHENTICATED;
        String re;
        if (ns.endsWith("*")) re = regexQuote(ns.substring(0, ns.length() - 1)) + "[^/]*";
        else if (ns.startsWith("*")) re = "[^/]*" + regexQuote(ns.substring(1));
        else re = regexQuote(ns);
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(
                StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("spiffe://[^/]+/ns/" + re + "/.*")))).build();
    }

    static CidrRange cidr(String s) {
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        int len = slash < 0 ? (ip.contains(":") ? 128 : 32) : Integer.parseInt(s.substring(slash + 1));
        return CidrRange.newBuilder().setAddressPrefix(ip).setPrefixLen(UInt32Value.of(len)).build();
    }

    private static final Permission ANY = Permission.newBuilder().setAny(true).build();
    private static final Permission NONE = Permission.newBuilder().setNotRule(ANY).build();
    private static final Principal ANYONE = Principal.newBuilder().setAny(true).build();
    private static final Principal AUTHENTICATED = Principal.newBuilder().setAuthenticated(Principal.Authenticated.getDefaultInstance()).build();

    private static Permission andRules(List<Permission> all) {
        if (all.isEmpty()) return ANY;
        if (all.size() == 1) return all.get(0);
        return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(all)).build();
    }

    private static Permission orRules(List<Permission> all) {
        if (all.size() == 1) return all.get(0);
        return Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(all)).build();
    }

    private static Principal andIds(List<Principal> all) {
        if (all.isEmpty()) return ANYONE;
        if (all.size() == 1) return all.get(0);
        return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(all)).build();
    }

    private static Principal orIds(List<Principal> all) {
        if (all.size() == 1) return all.get(0);
        return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(all)).build();
    }
}
