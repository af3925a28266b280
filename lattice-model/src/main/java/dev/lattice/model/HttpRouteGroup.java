package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * specs.smi-spec.io HTTPRouteGroup (v1alpha4): named matches of HTTP traffic, referenced by TrafficTargets. A match
 * has a {@code pathRegex} (anchored at the start of the path; absent: any path), {@code methods} ({@code *} or
 * absent: any) and {@code headers} (header name to a regex the whole value must match; all must match). Headers are
 * read as SMI's map and as the list of one-entry maps some implementations write.
 */
public record HttpRouteGroup(ObjectMeta meta, List<Match> matches) implements MeshObject {
    public static final String KIND = "HTTPRouteGroup";
    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /** {@code pathRegex} null: any path; {@code methods} empty: any method. */
    public record Match(String name, String pathRegex, List<String> methods, Map<String, String> headers) {
        public Match {
            requireNonNull(name, "name");
            methods = List.copyOf(methods);
            headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }
    }

    public HttpRouteGroup {
        requireNonNull(meta, "meta");
        matches = List.copyOf(matches);
    }

    @Override
    public String kind() {
        return KIND;
    }

    public Match match(String name) {
        for (Match m : matches) if (m.name().equals(name)) return m;
        return null;
    }

    static HttpRouteGroup read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("matches");
        List<Match> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Field mf = spec.get("matches");
        if (mf.require() && mf.list().isEmpty() && mf.json().isArray()) mf.problem("must have at least one match");
        for (Field m : mf.list()) {
            if (!m.object()) continue;
            m.known("name", "pathRegex", "methods", "headers");
            String name = m.get("name").requiredString();
            if (!name.isEmpty() && !names.add(name)) m.get("name").problem("must be unique in the group, not " + name);
            Field pf = m.get("pathRegex");
            String path = pf.string(null);
            if (path != null) {
                try {
                    Pattern.compile(path);
                } catch (PatternSyntaxException e) {
                    pf.problem("not a regular expression: " + e.getDescription());
                    path = null;
                }
            }
            List<String> methods = new ArrayList<>();
            for (String s : m.get("methods").strings()) {
                if (s.equals("*")) {
                    methods.clear();
                    break;
                }
                if (!METHOD.matcher(s).matches()) m.get("methods").problem("\"" + s + "\" is not an HTTP method");
                else methods.add(s);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            Field hf = m.get("headers");
            if (hf.present()) {
                if (hf.json().isArray()) {
                    for (Field one : hf.list()) headers(one, headers);
                } else {
                    headers(hf, headers);
                }
            }
            out.add(new Match(name, path, methods, headers));
        }
        return new HttpRouteGroup(meta, out);
    }

    private static void headers(Field f, Map<String, String> into) {
        if (!f.object()) return;
        for (var it = f.json().fieldNames(); it.hasNext(); ) { // in the order written
            String name = it.next();
            Field v = f.get(name);
            String re = v.string(null);
            if (re == null) {
                v.problem("must be a string (a regular expression)");
                continue;
            }
            if (!HEADER.matcher(name).matches()) {
                v.problem("\"" + name + "\" is not a header name");
                continue;
            }
            try {
                Pattern.compile(re);
            } catch (PatternSyntaxException x) {
                v.problem("not a regular expression: " + x.getDescription());
                continue;
            }
            into.put(name, re);
        }
    }
}
