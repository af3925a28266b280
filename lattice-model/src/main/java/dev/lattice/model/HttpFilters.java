package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * HTTPRoute (and GRPCRoute) filters, typed and validated field by field as the Gateway API CRDs do. Whether a
 * filter is supported where it is written, and which combinations work together, is decided by translation
 * (it reports route status); this class only rejects what the API server would reject.
 */
public final class HttpFilters {
    private HttpFilters() {}

    /** One filter of a rule or of a backendRef. */
    public sealed interface Filter permits HeaderModifier, Redirect, Rewrite, Mirror, Cors, ExtensionRef, Unsupported {
        /** The filter's type as Gateway API spells it. */
        String type();
    }

    public record Header(String name, String value) {
        public Header {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
        }
    }

    /** RequestHeaderModifier (response false) or ResponseHeaderModifier (response true). */
    public record HeaderModifier(boolean response, List<Header> set, List<Header> add, List<String> remove) implements Filter {
        public HeaderModifier {
            set = List.copyOf(set);
            add = List.copyOf(add);
            remove = List.copyOf(remove);
        }

        @Override
        public String type() {
            return response ? "ResponseHeaderModifier" : "RequestHeaderModifier";
        }
    }

    /** type ReplaceFullPath (value replacePrefixMatch unused) or ReplacePrefixMatch. */
    public record PathModifier(String type, String value) {
        public PathModifier {
            requireNonNull(type, "type");
            requireNonNull(value, "value");
        }

        public boolean fullPath() {
            return type.equals("ReplaceFullPath");
        }
    }

    /** scheme, hostname, port and path are null when not written; statusCode defaults to 302. */
    public record Redirect(String scheme, String hostname, Integer port, PathModifier path, int statusCode) implements Filter {
        @Override
        public String type() {
            return "RequestRedirect";
        }
    }

    /** URLRewrite: hostname and path null when not written. */
    public record Rewrite(String hostname, PathModifier path) implements Filter {
        @Override
        public String type() {
            return "URLRewrite";
        }
    }

    /**
     * RequestMirror: the backend (its weight unused) and the share of requests mirrored, numerator/denominator
     * (percent p is p/100; both null: every request).
     */
    public record Mirror(HttpRoute.BackendRef backend, Integer numerator, Integer denominator) implements Filter {
        public Mirror {
            requireNonNull(backend, "backend");
        }

        @Override
        public String type() {
            return "RequestMirror";
        }
    }

    /** HTTPCORSFilter; maxAge in seconds (default 5). */
    public record Cors(List<String> allowOrigins, boolean allowCredentials, List<String> allowMethods,
                       List<String> allowHeaders, List<String> exposeHeaders, int maxAge) implements Filter {
        public Cors {
            allowOrigins = List.copyOf(allowOrigins);
            allowMethods = List.copyOf(allowMethods);
            allowHeaders = List.copyOf(allowHeaders);
            exposeHeaders = List.copyOf(exposeHeaders);
        }

        @Override
        public String type() {
            return "CORS";
        }
    }

    public record ExtensionRef(String group, String kind, String name) implements Filter {
        public ExtensionRef {
            requireNonNull(group, "group");
            requireNonNull(kind, "kind");
            requireNonNull(name, "name");
        }

        @Override
        public String type() {
            return "ExtensionRef";
        }
    }

    /** A filter type that Lattice does not know; translation reports it (UnsupportedValue). */
    public record Unsupported(String type) implements Filter {
        public Unsupported {
            requireNonNull(type, "type");
        }
    }

    static final List<String> TYPES = List.of("RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect",
            "URLRewrite", "RequestMirror", "CORS", "ExtensionRef");
    private static final Pattern HEADER_NAME = Pattern.compile("[-!#$%&'*+.^_`|~0-9a-zA-Z]+");
    private static final Pattern ORIGIN = Pattern.compile("\\*|(http|https)://(\\*\\.)?[a-zA-Z0-9.-]+(:[0-9]{1,5})?");

    /**
     * Reads a list of filters; {@code routeKind} is "HTTPRoute" or "GRPCRoute" (GRPCRoute has no redirect,
     * rewrite nor CORS). At most one filter of each type except RequestMirror and ExtensionRef.
     */
    static List<Filter> read(Field list, String routeKind) {
        List<Filter> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Field> items = list.list();
        if (items.size() > 16) list.problem("at most 16 filters");
        for (Field f : items) {
            if (!f.object()) continue;
            f.known("type", "requestHeaderModifier", "responseHeaderModifier", "requestRedirect", "urlRewrite",
                    "requestMirror", "cors", "extensionRef");
            String type = f.get("type").requiredString();
            if (type.isEmpty()) continue;
            boolean grpc = routeKind.equals("GRPCRoute");
            if (grpc && (type.equals("RequestRedirect") || type.equals("URLRewrite") || type.equals("CORS"))) {
                f.get("type").problem(type + " is not a GRPCRoute filter (GRPCRoute has RequestHeaderModifier, "
                        + "ResponseHeaderModifier, RequestMirror and ExtensionRef)");
                continue;
            }
            String own = configField(type);
            for (String other : List.of("requestHeaderModifier", "responseHeaderModifier", "requestRedirect", "urlRewrite",
                    "requestMirror", "cors", "extensionRef")) {
                if (!other.equals(own) && f.get(other).present()) {
                    f.get(other).problem("must not be set when type is " + type);
                }
            }
            if (!type.equals("RequestMirror") && !type.equals("ExtensionRef") && TYPES.contains(type) && !seen.add(type)) {
                f.get("type").problem(type + " may appear only once in a filters list");
            }
            Filter filter = switch (type) {
                case "RequestHeaderModifier" -> headerModifier(f.get(own), false);
                case "ResponseHeaderModifier" -> headerModifier(f.get(own), true);
                case "RequestRedirect" -> redirect(f.get(own));
                case "URLRewrite" -> rewrite(f.get(own));
                case "RequestMirror" -> mirror(f.get(own));
                case "CORS" -> cors(f.get(own));
                case "ExtensionRef" -> extensionRef(f.get(own));
                default -> new Unsupported(type);
            };
            if (filter != null) out.add(filter);
        }
        // RequestRedirect together with URLRewrite is kept: translation reports it as IncompatibleFilters.
        return List.copyOf(out);
    }

    private static String configField(String type) {
        return switch (type) {
            case "RequestHeaderModifier" -> "requestHeaderModifier";
            case "ResponseHeaderModifier" -> "responseHeaderModifier";
            case "RequestRedirect" -> "requestRedirect";
            case "URLRewrite" -> "urlRewrite";
            case "RequestMirror" -> "requestMirror";
            case "CORS" -> "cors";
            case "ExtensionRef" -> "extensionRef";
            default -> "";
        };
    }

    private static HeaderModifier headerModifier(Field f, boolean response) {
        if (!f.require() || !f.object()) return null;
        f.known("set", "add", "remove");
        Set<String> names = new HashSet<>();
        List<Header> set = headers(f.get("set"), names);
        List<Header> add = headers(f.get("add"), names);
        List<String> remove = f.get("remove").strings();
        if (remove.size() > 16) f.get("remove").problem("at most 16 names");
        Set<String> removed = new HashSet<>();
        for (int i = 0; i < remove.size(); i++) {
            String n = remove.get(i);
            checkHeaderName(f.get("remove").at(i), n);
            if (!removed.add(n.toLowerCase(Locale.ROOT))) f.get("remove").at(i).problem("header \"" + n + "\" is listed twice");
        }
        return new HeaderModifier(response, set, add, remove);
    }

    private static List<Header> headers(Field list, Set<String> names) {
        List<Header> out = new ArrayList<>();
        List<Field> items = list.list();
        if (items.size() > 16) list.problem("at most 16 headers");
        for (Field h : items) {
            if (!h.object()) continue;
            h.known("name", "value");
            String name = h.get("name").requiredString();
            String value = h.get("value").require() ? h.get("value").string("") : "";
            if (name.isEmpty()) continue;
            checkHeaderName(h.get("name"), name);
            if (!names.add(name.toLowerCase(Locale.ROOT))) {
                h.get("name").problem("header \"" + name + "\" is modified twice (names compare case-insensitively)");
            }
            out.add(new Header(name, value));
        }
        return out;
    }

    private static void checkHeaderName(Field f, String name) {
        if (!HEADER_NAME.matcher(name).matches()) f.problem("must be an HTTP header name, not \"" + name + "\"");
    }

    private static Redirect redirect(Field f) {
        if (!f.require() || !f.object()) return null;
        f.known("scheme", "hostname", "path", "port", "statusCode");
        String scheme = f.get("scheme").oneOf(null, List.of("http", "https"));
        String hostname = f.get("hostname").string(null);
        if (hostname != null) checkHostname(f.get("hostname"), hostname);
        Integer port = f.get("port").port(false);
        PathModifier path = pathModifier(f.get("path"));
        int status = 302;
        Field sc = f.get("statusCode");
        Integer code = sc.integer(302, 0, 999);
        if (code != null && List.of(301, 302, 303, 307, 308).contains(code)) status = code;
        else if (code != null) sc.problem("must be one of 301, 302, 303, 307, 308, not " + code);
        return new Redirect(scheme, hostname, port, path, status);
    }

    private static Rewrite rewrite(Field f) {
        if (!f.require() || !f.object()) return null;
        f.known("hostname", "path");
        String hostname = f.get("hostname").string(null);
        if (hostname != null) checkHostname(f.get("hostname"), hostname);
        return new Rewrite(hostname, pathModifier(f.get("path")));
    }

    private static void checkHostname(Field f, String hostname) {
        String bad = Hostnames.check(hostname);
        if (bad != null) f.problem(bad);
        else if (Hostnames.isWildcard(hostname)) f.problem("must be a hostname without a wildcard, not \"" + hostname + "\"");
    }

    private static PathModifier pathModifier(Field f) {
        if (!f.object()) return null;
        f.known("type", "replaceFullPath", "replacePrefixMatch");
        Field t = f.get("type");
        if (!t.require()) return null;
        String type = t.oneOf(null, List.of("ReplaceFullPath", "ReplacePrefixMatch"));
        if (type == null) return null;
        String own = type.equals("ReplaceFullPath") ? "replaceFullPath" : "replacePrefixMatch";
        String other = type.equals("ReplaceFullPath") ? "replacePrefixMatch" : "replaceFullPath";
        if (f.get(other).present()) f.get(other).problem("must not be set when type is " + type);
        Field v = f.get(own);
        if (!v.require()) return null;
        String value = v.string("");
        if (!value.startsWith("/")) {
            v.problem("must start with \"/\", not \"" + value + "\"");
            return null;
        }
        if (value.contains("?") || value.contains("#")) {
            v.problem("must be a path without \"?\" or \"#\", not \"" + value + "\"");
            return null;
        }
        return new PathModifier(type, value);
    }

    private static Mirror mirror(Field f) {
        if (!f.require() || !f.object()) return null;
        f.known("backendRef", "percent", "fraction");
        Field b = f.get("backendRef");
        if (!b.require() || !b.object()) return null;
        HttpRoute.BackendRef ref = HttpRoute.readBackendRef(b, false, "HTTPRoute");
        Integer num = null;
        Integer den = null;
        Field p = f.get("percent");
        Field fr = f.get("fraction");
        if (p.present() && fr.present()) {
            fr.problem("must not be set together with percent");
        } else if (p.present()) {
            num = p.integer(null, 0, 100);
            den = num == null ? null : 100;
        } else if (fr.object()) {
            fr.known("numerator", "denominator");
            Field nf = fr.get("numerator");
            num = nf.require() ? nf.integer(null, 0, Integer.MAX_VALUE) : null;
            den = fr.get("denominator").integer(100, 1, Integer.MAX_VALUE);
            if (num != null && den != null && num > den) {
                nf.problem("must not be greater than the denominator (" + den + "), not " + num);
                num = null;
            }
            if (num == null) den = null;
        }
        return new Mirror(ref, num, den);
    }

    private static Cors cors(Field f) {
        if (!f.require() || !f.object()) return null;
        f.known("allowOrigins", "allowCredentials", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge");
        List<String> origins = f.get("allowOrigins").strings();
        for (int i = 0; i < origins.size(); i++) {
            if (!ORIGIN.matcher(origins.get(i)).matches()) {
                f.get("allowOrigins").at(i).problem("must be \"*\" or scheme://host[:port] (scheme http or https, host "
                        + "optionally starting with \"*.\"), not \"" + origins.get(i) + "\"");
            }
        }
        boolean credentials = f.get("allowCredentials").bool(false);
        List<String> methods = f.get("allowMethods").strings();
        for (int i = 0; i < methods.size(); i++) {
            String m = methods.get(i);
            if (!m.equals("*") && !HttpRoute.METHODS.contains(m)) {
                f.get("allowMethods").at(i).problem("must be \"*\" or one of " + String.join(", ", HttpRoute.METHODS)
                        + ", not \"" + m + "\"");
            }
        }
        if (methods.contains("*") && methods.size() > 1) f.get("allowMethods").problem("\"*\" must be the only entry");
        List<String> allowHeaders = f.get("allowHeaders").strings();
        for (int i = 0; i < allowHeaders.size(); i++) {
            if (!allowHeaders.get(i).equals("*")) checkHeaderName(f.get("allowHeaders").at(i), allowHeaders.get(i));
        }
        List<String> expose = f.get("exposeHeaders").strings();
        for (int i = 0; i < expose.size(); i++) {
            if (!expose.get(i).equals("*")) checkHeaderName(f.get("exposeHeaders").at(i), expose.get(i));
        }
        int maxAge = f.get("maxAge").integer(5, 1, Integer.MAX_VALUE);
        return new Cors(origins, credentials, methods, allowHeaders, expose, maxAge);
    }

    private static ExtensionRef extensionRef(Field f) {
        if (!f.require() || !f.object()) return null;
        f.known("group", "kind", "name");
        String group = f.get("group").string("");
        String kind = f.get("kind").requiredString();
        String name = f.get("name").requiredString();
        return new ExtensionRef(group, kind, name);
    }

    /**
     * A Gateway API Duration ("1h", "500ms", "1m30s": 1 to 4 number+unit pairs, units h, m, s, ms) in
     * milliseconds, or null (with a problem) when it is not one.
     */
    static Long duration(Field f) {
        String s = f.string(null);
        if (s == null) return null;
        if (!s.matches("([0-9]{1,5}(h|m|s|ms)){1,4}")) {
            f.problem("must be a Gateway API duration such as \"10s\", \"500ms\" or \"1m30s\" (units h, m, s, ms), not \"" + s + "\"");
            return null;
        }
        long ms = 0;
        var m = Pattern.compile("([0-9]+)(ms|h|m|s)").matcher(s);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            ms += switch (m.group(2)) {
                case "h" -> n * 3_600_000L;
                case "m" -> n * 60_000L;
                case "s" -> n * 1000L;
                default -> n;
            };
        }
        return ms;
    }
}
