package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpFiltersTest {
    private static final String HEAD = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: gw}]
              rules:
            """;

    private static List<String> problems(String rules) {
        return ResourceLoader.load("r.yaml", HEAD + rules).allProblems().stream().map(Problem::toString).toList();
    }

    private static HttpRoute route(String rules) {
        ResourceLoader.LoadedFile f = ResourceLoader.load("r.yaml", HEAD + rules);
        assertThat(f.allProblems()).isEmpty();
        return (HttpRoute) Models.read(f.validResources().get(0)).value();
    }

    @Test
    void readsEveryFilterKind() {
        HttpRoute r = route("""
                  - name: all
                    matches: [{path: {type: PathPrefix, value: /p}}]
                    filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: a, value: "1"}], add: [{name: b, value: "2"}], remove: [c]}
                    - type: ResponseHeaderModifier
                      responseHeaderModifier: {remove: [server]}
                    - type: URLRewrite
                      urlRewrite: {hostname: h.example, path: {type: ReplacePrefixMatch, replacePrefixMatch: /q}}
                    - type: RequestMirror
                      requestMirror: {backendRef: {name: m, port: 80}, fraction: {numerator: 1, denominator: 4}}
                    - type: RequestMirror
                      requestMirror: {backendRef: {name: m2, port: 80}, percent: 10}
                    - type: CORS
                      cors: {allowOrigins: ["https://a.example"], allowMethods: [GET]}
                    - type: ExtensionRef
                      extensionRef: {group: example.com, kind: Auth, name: x}
                    timeouts: {request: 1m, backendRequest: 500ms}
                    retry: {attempts: 2, codes: [503], backoff: 1s}
                    backendRefs:
                    - name: s
                      port: 80
                      filters:
                      - type: RequestHeaderModifier
                        requestHeaderModifier: {set: [{name: x, value: y}]}
                """);
        HttpRoute.Rule rule = r.rules().get(0);
        assertThat(rule.name()).isEqualTo("all");
        assertThat(rule.filters()).containsExactly(
                new HttpFilters.HeaderModifier(false, List.of(new HttpFilters.Header("a", "1")),
                        List.of(new HttpFilters.Header("b", "2")), List.of("c")),
                new HttpFilters.HeaderModifier(true, List.of(), List.of(), List.of("server")),
                new HttpFilters.Rewrite("h.example", new HttpFilters.PathModifier("ReplacePrefixMatch", "/q")),
                new HttpFilters.Mirror(new HttpRoute.BackendRef("", "Service", "m", null, 80, 1), 1, 4),
                new HttpFilters.Mirror(new HttpRoute.BackendRef("", "Service", "m2", null, 80, 1), 10, 100),
                new HttpFilters.Cors(List.of("https://a.example"), false, List.of("GET"), List.of(), List.of(), 5),
                new HttpFilters.ExtensionRef("example.com", "Auth", "x"));
        assertThat(rule.timeouts()).isEqualTo(new HttpRoute.Timeouts(60_000L, 500L));
        assertThat(rule.retry()).isEqualTo(new HttpRoute.Retry(2, List.of(503), 1000L));
        assertThat(rule.backendRefs().get(0).filters()).containsExactly(new HttpFilters.HeaderModifier(false,
                List.of(new HttpFilters.Header("x", "y")), List.of(), List.of()));
        assertThat(rule.sessionPersistence()).isNull();
    }

    @Test
    void redirectDefaultsAndStatusCodes() {
        HttpRoute r = route("""
                  - filters:
                    - type: RequestRedirect
                      requestRedirect: {scheme: https, path: {type: ReplaceFullPath, replaceFullPath: /x}}
                """);
        assertThat(r.rules().get(0).filters()).containsExactly(
                new HttpFilters.Redirect("https", null, null, new HttpFilters.PathModifier("ReplaceFullPath", "/x"), 302));
        assertThat(problems("""
                  - filters:
                    - type: RequestRedirect
                      requestRedirect: {statusCode: 304, scheme: ftp, port: 70000}
                """)).containsExactlyInAnyOrder(
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].filters[0].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308, not 304",
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].filters[0].requestRedirect.scheme: must be one of http, https, not \"ftp\"",
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].filters[0].requestRedirect.port: must be between 1 and 65535, not 70000");
    }

    @Test
    void headerModifierProblemsNameTheirLines() {
        assertThat(problems("""
                  - filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set:
                        - {name: X-A, value: "1"}
                        - {name: x-a, value: "2"}
                        add:
                        - {name: "bad name", value: v}
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {remove: [a]}
                """)).containsExactlyInAnyOrder(
                "r.yaml:12: HTTPRoute default/r: spec.rules[0].filters[0].requestHeaderModifier.set[1].name: header \"x-a\" is modified twice (names compare case-insensitively)",
                "r.yaml:14: HTTPRoute default/r: spec.rules[0].filters[0].requestHeaderModifier.add[0].name: must be an HTTP header name, not \"bad name\"",
                "r.yaml:15: HTTPRoute default/r: spec.rules[0].filters[1].type: RequestHeaderModifier may appear only once in a filters list");
    }

    @Test
    void filterConfigMustMatchItsType() {
        assertThat(problems("""
                  - filters:
                    - type: URLRewrite
                      requestRedirect: {scheme: https}
                """)).containsExactlyInAnyOrder(
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].filters[0].requestRedirect: must not be set when type is URLRewrite",
                "r.yaml:8: HTTPRoute default/r: spec.rules[0].filters[0].urlRewrite: required");
    }

    @Test
    void prefixRewriteNeedsOnePathPrefixMatch() {
        assertThat(problems("""
                  - matches: [{path: {type: Exact, value: /a}}]
                    filters:
                    - type: URLRewrite
                      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: b}}
                  - matches: [{path: {type: Exact, value: /a}}]
                    filters:
                    - type: URLRewrite
                      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}
                """)).containsExactlyInAnyOrder(
                "r.yaml:10: HTTPRoute default/r: spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch: must start with \"/\", not \"b\"",
                "r.yaml:12: HTTPRoute default/r: spec.rules[1].filters: URLRewrite with ReplacePrefixMatch needs the rule to have exactly one match, with a PathPrefix path");
    }

    @Test
    void mirrorShares() {
        assertThat(problems("""
                  - filters:
                    - type: RequestMirror
                      requestMirror: {backendRef: {name: m, port: 80}, percent: 101}
                    - type: RequestMirror
                      requestMirror:
                        backendRef: {name: m, port: 80}
                        fraction: {numerator: 5, denominator: 4}
                    - type: RequestMirror
                      requestMirror: {backendRef: {name: m, port: 80, weight: 2}, percent: 5, fraction: {numerator: 1}}
                """)).containsExactlyInAnyOrder(
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].filters[0].requestMirror.percent: must be between 0 and 100, not 101",
                "r.yaml:13: HTTPRoute default/r: spec.rules[0].filters[1].requestMirror.fraction.numerator: must not be greater than the denominator (4), not 5",
                "r.yaml:15: HTTPRoute default/r: spec.rules[0].filters[2].requestMirror.backendRef.weight: unknown field \"weight\" (known here: group, kind, name, namespace, port)",
                "r.yaml:15: HTTPRoute default/r: spec.rules[0].filters[2].requestMirror.fraction: must not be set together with percent");
    }

    @Test
    void corsFields() {
        assertThat(problems("""
                  - filters:
                    - type: CORS
                      cors:
                        allowOrigins: ["ftp://x", "https://*.ok.example:8443"]
                        allowMethods: ["*", GET]
                        maxAge: 0
                """)).containsExactlyInAnyOrder(
                "r.yaml:10: HTTPRoute default/r: spec.rules[0].filters[0].cors.allowOrigins[0]: must be \"*\" or scheme://host[:port] (scheme http or https, host optionally starting with \"*.\"), not \"ftp://x\"",
                "r.yaml:11: HTTPRoute default/r: spec.rules[0].filters[0].cors.allowMethods: \"*\" must be the only entry",
                "r.yaml:12: HTTPRoute default/r: spec.rules[0].filters[0].cors.maxAge: must be between 1 and 2147483647, not 0");
    }

    @Test
    void timeoutsRetryAndNames() {
        assertThat(problems("""
                  - name: Bad_Name
                    timeouts: {request: 1s, backendRequest: 2s}
                    retry: {codes: [200], backoff: 1x}
                  - name: ok
                    timeouts: {request: 10 seconds}
                  - name: ok
                """)).containsExactlyInAnyOrder(
                "r.yaml:7: HTTPRoute default/r: spec.rules[0].name: must be a lowercase RFC 1123 label (a-z, 0-9 and \"-\", at most 63), not \"Bad_Name\"",
                "r.yaml:8: HTTPRoute default/r: spec.rules[0].timeouts.backendRequest: must not be longer than request (1s)",
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].retry.codes[0]: must be between 400 and 599, not 200",
                "r.yaml:9: HTTPRoute default/r: spec.rules[0].retry.backoff: must be a Gateway API duration such as \"10s\", \"500ms\" or \"1m30s\" (units h, m, s, ms), not \"1x\"",
                "r.yaml:11: HTTPRoute default/r: spec.rules[1].timeouts.request: must be a Gateway API duration such as \"10s\", \"500ms\" or \"1m30s\" (units h, m, s, ms), not \"10 seconds\"",
                "r.yaml:12: HTTPRoute default/r: spec.rules[2].name: rule name \"ok\" is used by another rule of this route");
    }

    @Test
    void unknownFilterTypesAreLeftToTranslation() {
        HttpRoute r = route("""
                  - filters: [{type: RateLimit}]
                """);
        assertThat(r.rules().get(0).filters()).containsExactly(new HttpFilters.Unsupported("RateLimit"));
    }

    @Test
    void sessionPersistenceInBothShapesOfTheApi() {
        HttpRoute r = route("""
                  - sessionPersistence: {sessionName: s}
                  - sessionPersistence:
                      sessionName: perm
                      absoluteTimeout: 1h
                      idleTimeout: 10m
                      cookieConfig: {lifetimeType: Permanent}
                  - sessionPersistence: {type: Header, sessionName: x-session}
                  - sessionPersistence: {type: Cookie, cookie: {name: c, path: /app, lifetimeType: Session}}
                  - sessionPersistence: {type: Header, header: {name: x-h}, absoluteTimeout: 30s}
                  - sessionPersistence: {}
                """);
        assertThat(r.rules()).extracting(HttpRoute.Rule::sessionPersistence).containsExactly(
                new HttpRoute.SessionPersistence("Cookie", "s", null, null, false, null),
                new HttpRoute.SessionPersistence("Cookie", "perm", 3_600_000L, 600_000L, true, null),
                new HttpRoute.SessionPersistence("Header", "x-session", null, null, false, null),
                new HttpRoute.SessionPersistence("Cookie", "c", null, null, false, "/app"),
                new HttpRoute.SessionPersistence("Header", "x-h", 30_000L, null, false, null),
                new HttpRoute.SessionPersistence("Cookie", null, null, null, false, null));
    }

    @Test
    void sessionPersistenceProblemsAreTheCrdsRules() {
        assertThat(problems("""
                  - sessionPersistence: {cookieConfig: {lifetimeType: Permanent}}
                  - sessionPersistence: {type: Header, cookieConfig: {lifetimeType: Session}}
                  - sessionPersistence: {type: Query}
                  - sessionPersistence: {sessionName: "a b"}
                """)).containsExactlyInAnyOrder(
                "r.yaml:7: HTTPRoute default/r: spec.rules[0].sessionPersistence.absoluteTimeout: must be set when the cookie lifetimeType is Permanent",
                "r.yaml:8: HTTPRoute default/r: spec.rules[1].sessionPersistence.cookieConfig: can only be set with type Cookie",
                "r.yaml:9: HTTPRoute default/r: spec.rules[2].sessionPersistence.type: must be one of Cookie, Header, not \"Query\"",
                "r.yaml:10: HTTPRoute default/r: spec.rules[3].sessionPersistence: the session name must be an HTTP token (cookie or header name), not \"a b\"");
    }
}
