package dev.lattice.proxy.filter.rbac;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.PatternSyntaxException;

/**
 * Parses Envoy's RBAC HTTP filter config ({@code type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC}) and
 * its per-route {@code RBACPerRoute} into a {@link RbacFilterConfig}: exactly the subset docs/xds.md lists
 * ("Authorization: RBAC filters"). Anything outside it is rejected naming its field path, so that the proxy NACKs a
 * policy it cannot enforce instead of enforcing less than was meant.
 *
 * <p>Regexes ({@code safe_regex}) are compiled with java.util.regex, not RE2: RE2 patterns that use only the common
 * syntax behave the same; a pattern Java cannot compile is rejected.
 */
public final class RbacParser {
    public static final String TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
    public static final String PER_ROUTE_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute";
    /** The dynamic metadata namespace of {@code metadata} principals: the JWT filter's name (it verified the token). */
    public static final String AUTHN_FILTER = "envoy.filters.http.jwt_authn";

    private final String resource;

    private RbacParser(String resource) {
        this.resource = resource;
    }

    /** Parses a filter's typed_config; {@code resource} and {@code path} name where it came from in errors. */
    public static RbacFilterConfig parse(String resource, String path, Any typedConfig) throws XdsRejection {
        RBAC rbac;
        try {
            rbac = typedConfig.unpack(RBAC.class);
        } catch (InvalidProtocolBufferException e) {
            throw new XdsRejection(resource, path + ": expected RBAC, got " + typedConfig.getTypeUrl());
        }
        return parse(resource, path, rbac);
    }

    public static RbacFilterConfig parse(String resource, String path, RBAC rbac) throws XdsRejection {
        RbacParser p = new RbacParser(resource);
        String base = path.isEmpty() ? "" : path + ".";
        if (rbac.hasMatcher()) throw p.reject(base + "matcher", "unsupported (use rules)");
        if (rbac.hasShadowMatcher()) throw p.reject(base + "shadow_matcher", "unsupported (use shadow_rules)");
        RbacEngine rules = rbac.hasRules() ? p.engine(base + "rules", rbac.getRules()) : null;
        RbacEngine shadow = rbac.hasShadowRules() ? p.engine(base + "shadow_rules", rbac.getShadowRules()) : null;
        return new RbacFilterConfig(rules, rbac.getRulesStatPrefix(), shadow, rbac.getShadowRulesStatPrefix());
    }

    /**
     * A route's override: its {@code rbac} replaces the listener-level config for that route; without {@code rbac}
     * the filter is off for it ({@link RbacFilterConfig#DISABLED}), as Envoy.
     */
    public static RbacFilterConfig parsePerRoute(String resource, String path, Any typedConfig) throws XdsRejection {
        RBACPerRoute pr;
        try {
            pr = typedConfig.unpack(RBACPerRoute.class);
        } catch (InvalidProtocolBufferException e) {
            throw new XdsRejection(resource, path + ": expected RBACPerRoute, got " + typedConfig.getTypeUrl());
        }
        if (!pr.hasRbac()) return RbacFilterConfig.DISABLED;
        return parse(resource, path + ".rbac", pr.getRbac());
    }

    private RbacEngine engine(String path, io.envoyproxy.envoy.config.rbac.v3.RBAC r) throws XdsRejection {
        RbacEngine.Action action = switch (r.getAction()) {
            case ALLOW -> RbacEngine.Action.ALLOW;
            case DENY -> RbacEngine.Action.DENY;
            case LOG -> RbacEngine.Action.LOG;
            default -> throw reject(path + ".action", "unsupported " + r.getAction());
        };
        if (r.hasAuditLoggingOptions()) throw reject(path + ".audit_logging_options", "unsupported");
        Map<String, Policy> sorted = new TreeMap<>(r.getPoliciesMap());
        List<RbacEngine.Policy> out = new ArrayList<>(sorted.size());
        for (Map.Entry<String, Policy> e : sorted.entrySet()) {
            String pp = path + ".policies[\"" + e.getKey() + "\"]";
            Policy p = e.getValue();
            if (p.hasCondition()) throw reject(pp + ".condition", "unsupported (CEL)");
            if (p.hasCheckedCondition()) throw reject(pp + ".checked_condition", "unsupported (CEL)");
            if (p.getPermissionsCount() == 0) throw reject(pp + ".permissions", "at least one permission is required");
            if (p.getPrincipalsCount() == 0) throw reject(pp + ".principals", "at least one principal is required");
            Rule[] perms = new Rule[p.getPermissionsCount()];
            for (int i = 0; i < perms.length; i++) perms[i] = permission(pp + ".permissions[" + i + "]", p.getPermissions(i));
            Rule[] princ = new Rule[p.getPrincipalsCount()];
            for (int i = 0; i < princ.length; i++) princ[i] = principal(pp + ".principals[" + i + "]", p.getPrincipals(i));
            out.add(new RbacEngine.Policy(e.getKey(), Rule.or(perms), Rule.or(princ)));
        }
        return new RbacEngine(action, out);
    }

    private Rule permission(String path, Permission p) throws XdsRejection {
        switch (p.getRuleCase()) {
            case ANY:
                if (!p.getAny()) throw reject(path + ".any", "must be true");
                return Rule.ANY;
            case AND_RULES:
                return Rule.and(permissions(path + ".and_rules.rules", p.getAndRules().getRulesList()));
            case OR_RULES:
                return Rule.or(permissions(path + ".or_rules.rules", p.getOrRules().getRulesList()));
            case NOT_RULE:
                return Rule.not(permission(path + ".not_rule", p.getNotRule()));
            case HEADER:
                return header(path + ".header", p.getHeader());
            case URL_PATH: {
                if (!p.getUrlPath().hasPath()) throw reject(path + ".url_path", "path is required");
                Matchers.Str s = string(path + ".url_path.path", p.getUrlPath().getPath());
                return r -> s.matches(r.path());
            }
            case DESTINATION_PORT: {
                int port = p.getDestinationPort();
                if (port > 65535) throw reject(path + ".destination_port", "must be at most 65535, got " + port);
                return r -> r.destinationPort() == port;
            }
            case DESTINATION_PORT_RANGE: {
                int start = (int) p.getDestinationPortRange().getStart();
                int end = (int) p.getDestinationPortRange().getEnd();
                if (end <= start) throw reject(path + ".destination_port_range", "end must be greater than start");
                return r -> r.destinationPort() >= start && r.destinationPort() < end;
            }
            case REQUESTED_SERVER_NAME: {
                Matchers.Str s = string(path + ".requested_server_name", p.getRequestedServerName());
                return r -> s.matches(r.requestedServerName() == null ? "" : r.requestedServerName());
            }
            case RULE_NOT_SET:
                throw reject(path, "a rule is required");
            default:
                throw reject(path + "." + fieldName(p.getRuleCase().name()), "unsupported");
        }
    }

    private Rule[] permissions(String path, List<Permission> list) throws XdsRejection {
        if (list.isEmpty()) throw reject(path, "at least one rule is required");
        Rule[] out = new Rule[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = permission(path + "[" + i + "]", list.get(i));
        return out;
    }

    private Rule principal(String path, Principal p) throws XdsRejection {
        switch (p.getIdentifierCase()) {
            case ANY:
                if (!p.getAny()) throw reject(path + ".any", "must be true");
                return Rule.ANY;
            case AND_IDS:
                return Rule.and(principals(path + ".and_ids.ids", p.getAndIds().getIdsList()));
            case OR_IDS:
                return Rule.or(principals(path + ".or_ids.ids", p.getOrIds().getIdsList()));
            case NOT_ID:
                return Rule.not(principal(path + ".not_id", p.getNotId()));
            case AUTHENTICATED: {
                if (!p.getAuthenticated().hasPrincipalName()) {
                    return r -> r.principal() != null; // any authenticated peer
                }
                Matchers.Str s = string(path + ".authenticated.principal_name", p.getAuthenticated().getPrincipalName());
                return r -> r.principal() != null && s.matches(r.principal());
            }
            case SOURCE_IP: {
                Matchers.Cidr c = cidr(path + ".source_ip", p.getSourceIp());
                return r -> c.matches(r.directRemoteAddress());
            }
            case DIRECT_REMOTE_IP: {
                Matchers.Cidr c = cidr(path + ".direct_remote_ip", p.getDirectRemoteIp());
                return r -> c.matches(r.directRemoteAddress());
            }
            case REMOTE_IP: {
                Matchers.Cidr c = cidr(path + ".remote_ip", p.getRemoteIp());
                return r -> c.matches(r.remoteAddress());
            }
            case HEADER:
                return header(path + ".header", p.getHeader());
            case URL_PATH: {
                if (!p.getUrlPath().hasPath()) throw reject(path + ".url_path", "path is required");
                Matchers.Str s = string(path + ".url_path.path", p.getUrlPath().getPath());
                return r -> s.matches(r.path());
            }
            case METADATA:
                return authn(path + ".metadata", p.getMetadata());
            case IDENTIFIER_NOT_SET:
                throw reject(path, "an identifier is required");
            default:
                throw reject(path + "." + fieldName(p.getIdentifierCase().name()), "unsupported");
        }
    }

    /**
     * A {@code metadata} principal: only the JWT filter's ({@value #AUTHN_FILTER}) verified token, keyed as Istio's
     * {@code istio_authn} ({@link Matchers.Authn}); a {@code string_match}, or a {@code list_match.one_of} holding one.
     */
    private Rule authn(String path, MetadataMatcher m) throws XdsRejection {
        if (!m.getFilter().equals(AUTHN_FILTER)) {
            throw reject(path + ".filter", "unsupported \"" + m.getFilter() + "\" (only " + AUTHN_FILTER + ", the verified JWT)");
        }
        if (m.getPathCount() == 0) throw reject(path + ".path", "at least one segment is required");
        String[] keys = new String[m.getPathCount()];
        for (int i = 0; i < keys.length; i++) {
            if (!m.getPath(i).hasKey() || m.getPath(i).getKey().isEmpty()) throw reject(path + ".path[" + i + "].key", "required");
            keys[i] = m.getPath(i).getKey();
        }
        Matchers.Authn.Key key = switch (keys[0]) {
            case "request.auth.principal" -> Matchers.Authn.Key.PRINCIPAL;
            case "request.auth.presenter" -> Matchers.Authn.Key.PRESENTER;
            case "request.auth.audiences" -> Matchers.Authn.Key.AUDIENCES;
            case "request.auth.claims" -> Matchers.Authn.Key.CLAIMS;
            default -> throw reject(path + ".path[0].key", "unsupported \"" + keys[0] + "\" (request.auth.principal, "
                    + "request.auth.presenter, request.auth.audiences, request.auth.claims)");
        };
        if (key == Matchers.Authn.Key.CLAIMS && keys.length < 2) throw reject(path + ".path", "request.auth.claims needs a claim name after it");
        if (key != Matchers.Authn.Key.CLAIMS && keys.length > 1) throw reject(path + ".path[1]", "unexpected: " + keys[0] + " has no parts");
        String[] claimPath = java.util.Arrays.copyOfRange(keys, 1, keys.length);
        if (!m.hasValue()) throw reject(path + ".value", "required");
        ValueMatcher v = m.getValue();
        return switch (v.getMatchPatternCase()) {
            case STRING_MATCH -> new Matchers.Authn(key, claimPath, string(path + ".value.string_match", v.getStringMatch()), false, m.getInvert());
            case LIST_MATCH -> {
                ValueMatcher one = v.getListMatch().getOneOf();
                if (one.getMatchPatternCase() != ValueMatcher.MatchPatternCase.STRING_MATCH) {
                    throw reject(path + ".value.list_match.one_of", "only string_match is supported");
                }
                yield new Matchers.Authn(key, claimPath, string(path + ".value.list_match.one_of.string_match", one.getStringMatch()), true, m.getInvert());
            }
            default -> throw reject(path + ".value", "only string_match and list_match are supported, got " + fieldName(v.getMatchPatternCase().name()));
        };
    }

    private Rule[] principals(String path, List<Principal> list) throws XdsRejection {
        if (list.isEmpty()) throw reject(path, "at least one identifier is required");
        Rule[] out = new Rule[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = principal(path + "[" + i + "]", list.get(i));
        return out;
    }

    private Matchers.Header header(String path, HeaderMatcher h) throws XdsRejection {
        if (h.getName().isEmpty()) throw reject(path + ".name", "must not be empty");
        boolean ic = false;
        Matchers.Str s;
        switch (h.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> s = string(path + ".string_match", h.getStringMatch());
            case EXACT_MATCH -> s = new Matchers.Str(Matchers.Str.Kind.EXACT, h.getExactMatch(), ic);
            case PREFIX_MATCH -> s = new Matchers.Str(Matchers.Str.Kind.PREFIX, h.getPrefixMatch(), ic);
            case SUFFIX_MATCH -> s = new Matchers.Str(Matchers.Str.Kind.SUFFIX, h.getSuffixMatch(), ic);
            case CONTAINS_MATCH -> s = new Matchers.Str(Matchers.Str.Kind.CONTAINS, h.getContainsMatch(), ic);
            case SAFE_REGEX_MATCH -> s = regex(path + ".safe_regex_match.regex", h.getSafeRegexMatch().getRegex(), false);
            case PRESENT_MATCH -> {
                return new Matchers.Header(h.getName(), null, h.getPresentMatch(), h.getInvertMatch(),
                        h.getTreatMissingHeaderAsEmpty());
            }
            case HEADERMATCHSPECIFIER_NOT_SET -> {
                // Envoy: no specifier means "present"
                return new Matchers.Header(h.getName(), null, true, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
            }
            default -> throw reject(path + "." + fieldName(h.getHeaderMatchSpecifierCase().name()), "unsupported");
        }
        return new Matchers.Header(h.getName(), s, false, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
    }

    private Matchers.Str string(String path, StringMatcher m) throws XdsRejection {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> new Matchers.Str(Matchers.Str.Kind.EXACT, m.getExact(), ic);
            case PREFIX -> nonEmpty(path + ".prefix", Matchers.Str.Kind.PREFIX, m.getPrefix(), ic);
            case SUFFIX -> nonEmpty(path + ".suffix", Matchers.Str.Kind.SUFFIX, m.getSuffix(), ic);
            case CONTAINS -> nonEmpty(path + ".contains", Matchers.Str.Kind.CONTAINS, m.getContains(), ic);
            case SAFE_REGEX -> regex(path + ".safe_regex.regex", m.getSafeRegex().getRegex(), ic);
            case MATCHPATTERN_NOT_SET -> throw reject(path, "a match pattern is required");
            default -> throw reject(path + "." + fieldName(m.getMatchPatternCase().name()), "unsupported");
        };
    }

    private Matchers.Str nonEmpty(String path, Matchers.Str.Kind kind, String v, boolean ic) throws XdsRejection {
        if (v.isEmpty()) throw reject(path, "must not be empty");
        return new Matchers.Str(kind, v, ic);
    }

    private Matchers.Str regex(String path, String regex, boolean ignoreCase) throws XdsRejection {
        if (ignoreCase) throw reject(path, "ignore_case is not supported with safe_regex");
        try {
            return new Matchers.Str(Matchers.Str.Kind.REGEX, regex, false);
        } catch (PatternSyntaxException e) {
            throw reject(path, "not a valid regex: " + e.getDescription());
        }
    }

    private Matchers.Cidr cidr(String path, CidrRange c) throws XdsRejection {
        String a = c.getAddressPrefix();
        if (a.isEmpty() || !(a.indexOf(':') >= 0 || a.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9')))) {
            throw reject(path + ".address_prefix", "must be an IP address literal, got \"" + a + "\"");
        }
        InetAddress addr;
        try {
            addr = InetAddress.getByName(a); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw reject(path + ".address_prefix", "not an IP address: " + a);
        }
        int max = addr.getAddress().length * 8;
        int bits = c.hasPrefixLen() ? c.getPrefixLen().getValue() : 0;
        if (bits > max) throw reject(path + ".prefix_len", "must be at most " + max + " for " + a + ", got " + bits);
        return new Matchers.Cidr(addr, bits);
    }

    private XdsRejection reject(String path, String message) {
        return new XdsRejection(resource, path + ": " + message);
    }

    /** A oneof case name (URL_PATH) as the proto field is spelled (url_path). */
    private static String fieldName(String caseName) {
        return caseName.toLowerCase(java.util.Locale.ROOT);
    }
}
