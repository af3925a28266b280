package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * lattice.dev/v1alpha1 RequestValidationPolicy (issue #7, docs/security.md "Request validation"): what a request must
 * look like before it reaches the routes in its targetRefs (Gateway [+ listener], HTTPRoute / GRPCRoute [+ rule],
 * Service at its inbound sidecar): {@code limits} (URI, header bytes and count, body bytes), {@code methods},
 * {@code contentTypes}, and a JSON body checked against a JSON Schema ({@code jsonSchema}: inline or a ConfigMap key)
 * or against the request body schema of the matching operation of an OpenAPI document ({@code openAPI}: a ConfigMap
 * key). Each field is optional; {@code jsonSchema} and {@code openAPI} exclude each other. The schemas themselves are
 * compiled by the control plane (which knows the ConfigMaps).
 */
public record RequestValidationPolicy(ObjectMeta meta, List<PolicyTargetRef> targetRefs, Limits limits,
                                      List<String> methods, List<String> contentTypes, Schema jsonSchema,
                                      ConfigMapKey openApi) implements MeshObject {
    public static final String KIND = "RequestValidationPolicy";
    static final List<PolicyTargetRef.Allowed> TARGETS = List.of(PolicyTargetRef.GATEWAY, PolicyTargetRef.HTTP_ROUTE,
            PolicyTargetRef.GRPC_ROUTE, PolicyTargetRef.SERVICE);
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    public RequestValidationPolicy {
        requireNonNull(meta, "meta");
        targetRefs = List.copyOf(targetRefs);
        requireNonNull(limits, "limits");
        methods = List.copyOf(methods);
        contentTypes = List.copyOf(contentTypes);
    }

    /** Byte and count limits; 0 = no limit. */
    public record Limits(int maxUriBytes, int maxHeadersBytes, int maxHeaders, int maxBodyBytes) {
        public static final Limits NONE = new Limits(0, 0, 0, 0);
    }

    /** A ConfigMap's key in the policy's namespace. */
    public record ConfigMapKey(String name, String key) {
        public ConfigMapKey {
            requireNonNull(name, "name");
            requireNonNull(key, "key");
        }
    }

    /** A JSON Schema: its JSON text given inline, or a ConfigMap key holding it (exactly one is set). */
    public record Schema(String inline, ConfigMapKey configMapRef) {}

    @Override
    public String kind() {
        return KIND;
    }

    static RequestValidationPolicy read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "spec", "status");
        Field spec = root.get("spec");
        if (spec.require()) spec.object();
        spec.known("targetRefs", "limits", "methods", "contentTypes", "jsonSchema", "openAPI");
        Field tf = spec.get("targetRefs");
        List<PolicyTargetRef> targets = PolicyTargetRef.readAll(tf, TARGETS);
        if (targets.isEmpty() && !tf.present()) tf.problem("required: the Gateways, HTTPRoutes, GRPCRoutes or Services to validate requests for");

        Limits limits = Limits.NONE;
        Field lf = spec.get("limits");
        if (lf.object()) {
            lf.known("maxUriBytes", "maxHeadersBytes", "maxHeaders", "maxBodyBytes");
            limits = new Limits(lf.get("maxUriBytes").integer(0, 1, Integer.MAX_VALUE),
                    lf.get("maxHeadersBytes").integer(0, 1, Integer.MAX_VALUE),
                    lf.get("maxHeaders").integer(0, 1, Integer.MAX_VALUE),
                    lf.get("maxBodyBytes").integer(0, 1, Integer.MAX_VALUE));
        }

        List<String> methods = new ArrayList<>();
        Field mf = spec.get("methods");
        List<Field> ms = mf.list();
        for (Field f : ms) {
            String m = f.string(null);
            if (m == null) {
                f.problem("must be a string");
            } else if (!m.matches("[A-Z][A-Z-]*")) {
                f.problem("must be an upper-case HTTP method such as GET or POST, not \"" + m + "\"");
            } else if (methods.contains(m)) {
                f.problem("\"" + m + "\" is listed twice");
            } else {
                if (!METHODS.contains(m)) {
                    // an extension method is allowed (RFC 9110 tokens), as long as it is upper case
                }
                methods.add(m);
            }
        }
        if (mf.present() && ms.isEmpty() && mf.json().isArray()) mf.problem("must list at least one method (omit it to allow every method)");

        List<String> contentTypes = new ArrayList<>();
        Field cf = spec.get("contentTypes");
        List<Field> cs = cf.list();
        for (Field f : cs) {
            String c = f.string(null);
            if (c == null) {
                f.problem("must be a string");
            } else if (!c.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+*-]+")) {
                f.problem("must be a media type type/subtype such as application/json (parameters are not compared), not \"" + c + "\"");
            } else {
                contentTypes.add(c.toLowerCase(Locale.ROOT));
            }
        }
        if (cf.present() && cs.isEmpty() && cf.json().isArray()) cf.problem("must list at least one media type (omit it to allow any)");

        Schema schema = null;
        Field sf = spec.get("jsonSchema");
        if (sf.object()) {
            sf.known("inline", "configMapRef");
            Field in = sf.get("inline");
            Field cm = sf.get("configMapRef");
            if (in.present() == cm.present()) {
                sf.problem("set exactly one of inline and configMapRef");
            } else if (in.present()) {
                if (in.json().isObject() || in.json().isBoolean()) schema = new Schema(in.json().toString(), null);
                else in.problem("must be a JSON Schema (an object or a boolean)");
            } else {
                ConfigMapKey k = configMapKey(cm);
                if (k != null) schema = new Schema(null, k);
            }
        }
        ConfigMapKey openApi = null;
        Field of = spec.get("openAPI");
        if (of.object()) {
            of.known("configMapRef");
            Field cm = of.get("configMapRef");
            if (cm.require()) openApi = configMapKey(cm);
        }
        if (sf.present() && of.present()) of.problem("jsonSchema and openAPI exclude each other: set one");
        return new RequestValidationPolicy(meta, targets, limits, methods, contentTypes, schema, openApi);
    }

    private static ConfigMapKey configMapKey(Field f) {
        if (!f.object()) return null;
        f.known("name", "key");
        String name = f.get("name").requiredString();
        String key = f.get("key").requiredString();
        return name.isEmpty() || key.isEmpty() ? null : new ConfigMapKey(name, key);
    }
}
