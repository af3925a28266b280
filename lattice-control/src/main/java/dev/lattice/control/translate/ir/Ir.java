package dev.lattice.control.translate.ir;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.ProxyId;
import java.util.List;

/**
 * The intermediate representation of what one proxy gets, between the model and xDS: listeners with their
 * virtual hosts and routes (already in match order), and clusters with their endpoints. Every type here is an
 * immutable record; {@link dev.lattice.control.translate.MeshTranslator} builds it and turns it into xDS.
 */
public final class Ir {
    private Ir() {}

    public record Proxy(ProxyId id, List<Listener> listeners, List<Cluster> clusters) {
        public Proxy {
            requireNonNull(id, "id");
            listeners = List.copyOf(listeners);
            clusters = List.copyOf(clusters);
        }
    }

    public enum Role {
        GATEWAY("gateway"), SIDECAR_OUTBOUND("sidecar-outbound"), SIDECAR_INBOUND("sidecar-inbound");

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * A listener. With {@code chains} empty it has one plain-HTTP filter chain: an HCM with these virtual hosts.
     * Otherwise those chains (TLS by SNI, passthrough); then the virtual hosts here are unused.
     */
    public record Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                           String routeConfigName, List<VirtualHost> virtualHosts, List<FilterChain> chains,
                           dev.lattice.model.MtlsMode inboundMtls, Authz authz, ClientTraffic clientTraffic) {
        public Listener {
            requireNonNull(name, "name");
            requireNonNull(address, "address");
            requireNonNull(role, "role");
            requireNonNull(statPrefix, "statPrefix");
            requireNonNull(routeConfigName, "routeConfigName");
            virtualHosts = List.copyOf(virtualHosts);
            chains = List.copyOf(chains);
        }

        /** With the default client timeouts. */
        public Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                        String routeConfigName, List<VirtualHost> virtualHosts, List<FilterChain> chains,
                        dev.lattice.model.MtlsMode inboundMtls, Authz authz) {
            this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, chains, inboundMtls,
                    authz, null);
        }

        /** Without authorization ({@code authz} null: no policy applies). */
        public Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                        String routeConfigName, List<VirtualHost> virtualHosts, List<FilterChain> chains,
                        dev.lattice.model.MtlsMode inboundMtls) {
            this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, chains, inboundMtls, null);
        }

        /** Without mesh mTLS ({@code inboundMtls} null: the listener is not a mesh inbound listener). */
        public Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                        String routeConfigName, List<VirtualHost> virtualHosts, List<FilterChain> chains) {
            this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, chains, null);
        }

        public Listener(String name, String address, int port, Role role, String statPrefix, boolean stripAnyHostPort,
                        String routeConfigName, List<VirtualHost> virtualHosts) {
            this(name, address, port, role, statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, List.of());
        }

        /** The connection manager of its one plain-HTTP filter chain (when {@code chains} is empty). */
        public Hcm hcm() {
            return new Hcm(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, authz, clientTraffic);
        }
    }

    /**
     * The authorization policies that apply to one listener, each resolved for it (docs/security.md): {@code appPort}
     * is the port the requests are for (a sidecar inbound listener's application port, a Gateway listener's port), so
     * that {@code ports} and {@code destination.port} are decided here, not by the proxy, as is {@code destination.ip}
     * against {@code address} (the workload's). Policies are oldest first.
     */
    public record Authz(int appPort, String address, List<AuthzPolicy> policies) {
        public Authz {
            policies = List.copyOf(policies);
        }
    }

    /**
     * One policy: {@code name} is {@code <Kind>/<namespace>/<name>}; {@code rules} empty matches nothing (an ALLOW
     * policy without rules denies all). A policy whose current version does not validate is a DENY policy named
     * {@code .../invalid} with one empty rule (matches everything): it fails closed.
     */
    public record AuthzPolicy(String name, dev.lattice.model.AuthorizationPolicy.Action action, boolean dryRun,
                              List<dev.lattice.model.AuthorizationPolicy.Rule> rules) {
        public AuthzPolicy {
            requireNonNull(name, "name");
            requireNonNull(action, "action");
            rules = List.copyOf(rules);
        }
    }

    /** A filter chain matched by SNI ({@code serverNames} empty: the default chain); {@code tls} null: no termination. */
    public record FilterChain(List<String> serverNames, TlsContext tls, ChainAction action) {
        public FilterChain {
            serverNames = List.copyOf(serverNames);
            requireNonNull(action, "action");
        }
    }

    /**
     * Certificates (PEM chain and key) served when terminating TLS, the ALPN protocols offered, and the client
     * certificate validation (null: no client certificate is asked for).
     */
    public record TlsContext(List<Certificate> certificates, List<String> alpn, ClientValidation clientValidation) {
        public TlsContext {
            certificates = List.copyOf(certificates);
            alpn = List.copyOf(alpn);
        }

        public TlsContext(List<Certificate> certificates, List<String> alpn) {
            this(certificates, alpn, null);
        }
    }

    /**
     * A Gateway's frontend client certificate validation: the trusted CA bundle (PEM) and whether a client without a
     * valid certificate is still served (AllowInsecureFallback) or refused in the handshake (AllowValidOnly).
     */
    public record ClientValidation(String trustedCaPem, boolean insecureFallback) {
        public ClientValidation {
            requireNonNull(trustedCaPem, "trustedCaPem");
        }
    }

    public record Certificate(String chainPem, String keyPem) {
        public Certificate {
            requireNonNull(chainPem, "chainPem");
            requireNonNull(keyPem, "keyPem");
        }

        @Override
        public String toString() {
            return "Certificate[" + chainPem.length() + " chars of chain, key hidden]";
        }
    }

    public sealed interface ChainAction permits Hcm, TcpProxy {}

    /** An HTTP connection manager with its own route configuration. */
    public record Hcm(String statPrefix, boolean stripAnyHostPort, String routeConfigName, List<VirtualHost> virtualHosts,
                      Authz authz, ClientTraffic clientTraffic) implements ChainAction {
        public Hcm {
            requireNonNull(statPrefix, "statPrefix");
            requireNonNull(routeConfigName, "routeConfigName");
            virtualHosts = List.copyOf(virtualHosts);
        }

        /** With the default client timeouts. */
        public Hcm(String statPrefix, boolean stripAnyHostPort, String routeConfigName, List<VirtualHost> virtualHosts,
                   Authz authz) {
            this(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, authz, null);
        }

        /** Without authorization. */
        public Hcm(String statPrefix, boolean stripAnyHostPort, String routeConfigName, List<VirtualHost> virtualHosts) {
            this(statPrefix, stripAnyHostPort, routeConfigName, virtualHosts, null);
        }
    }

    /**
     * A ClientTrafficPolicy's settings for one connection manager, in milliseconds (0 disables a timer); null
     * (the record or a field) is the default: 10 s for the request head, 1 h idle, 1024 HTTP/2 streams, no limit on
     * connections. {@code policy} names the policy ({@code namespace/name}) that set them, null for none.
     */
    public record ClientTraffic(Long requestHeadersTimeoutMillis, Long idleTimeoutMillis, Integer maxConcurrentStreams,
                                Long maxConnections, String policy) {
        public static final long DEFAULT_REQUEST_HEADERS_TIMEOUT_MILLIS = 10_000;
        public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 3_600_000;

        /** Timeouts and streams only (no connection limit, no policy named). */
        public ClientTraffic(Long requestHeadersTimeoutMillis, Long idleTimeoutMillis, Integer maxConcurrentStreams) {
            this(requestHeadersTimeoutMillis, idleTimeoutMillis, maxConcurrentStreams, null, null);
        }

        public long requestHeadersTimeout() {
            return requestHeadersTimeoutMillis == null ? DEFAULT_REQUEST_HEADERS_TIMEOUT_MILLIS : requestHeadersTimeoutMillis;
        }

        public long idleTimeout() {
            return idleTimeoutMillis == null ? DEFAULT_IDLE_TIMEOUT_MILLIS : idleTimeoutMillis;
        }
    }

    /** Relays the connection's bytes to one of the weighted clusters. */
    public record TcpProxy(String statPrefix, List<WeightedCluster> clusters) implements ChainAction {
        public TcpProxy {
            requireNonNull(statPrefix, "statPrefix");
            clusters = List.copyOf(clusters);
            if (clusters.isEmpty()) throw new IllegalArgumentException("clusters must not be empty");
        }
    }

    public record VirtualHost(String name, List<String> domains, List<Route> routes) {
        public VirtualHost {
            requireNonNull(name, "name");
            domains = List.copyOf(domains);
            routes = List.copyOf(routes);
        }
    }

    /**
     * A route; {@code filters} are the rule-level header modifiers and CORS policy; {@code policies} the route-level
     * policies that govern it (null: none).
     */
    public record Route(String name, Match match, Action action, RouteFilters filters, Policies policies) {
        public Route {
            requireNonNull(name, "name");
            requireNonNull(match, "match");
            requireNonNull(action, "action");
            requireNonNull(filters, "filters");
        }

        public Route(String name, Match match, Action action, RouteFilters filters) {
            this(name, match, action, filters, null);
        }

        public Route(String name, Match match, Action action) {
            this(name, match, action, RouteFilters.NONE);
        }
    }

    /**
     * The route-level policies that govern one route, one per kind, each resolved by the control plane's
     * {@code RoutePolicies} (the most specific attachment wins; a broken policy fails closed). Each kind adds its
     * component here (null: no policy of that kind); {@link #of} gives null when a route has none at all.
     */
    public record Policies(Jwt jwt, RateLimit rateLimit, Validation validation) {
        /** The policies, or null when every kind is absent. */
        public static Policies of(Jwt jwt, RateLimit rateLimit, Validation validation) {
            return jwt == null && rateLimit == null && validation == null ? null : new Policies(jwt, rateLimit, validation);
        }
    }

    /**
     * The RateLimitPolicy that governs a route: {@code policy} is its {@code namespace/name} (the buckets' and the
     * metrics' name), {@code local} its local rules, {@code global} its global rules (null: none); {@code broken} a
     * policy that cannot be understood and has no last good version (every request answered 503, rules empty).
     */
    public record RateLimit(String policy, List<RateLimitRule> local, boolean broken, GlobalRateLimit global) {
        public RateLimit {
            requireNonNull(policy, "policy");
            local = List.copyOf(local);
        }

        public RateLimit(String policy, List<RateLimitRule> local, boolean broken) {
            this(policy, local, broken, null);
        }
    }

    /**
     * A policy's global rules, counted in the mesh's Redis ({@code redis}: MeshConfig {@code spec.rateLimit.redis},
     * {@code host:port}); {@code failClosed}: while Redis cannot answer, these rules answer 503 rather than pass.
     */
    public record GlobalRateLimit(List<RateLimitRule> rules, boolean failClosed, String redis) {
        public GlobalRateLimit {
            rules = List.copyOf(rules);
            requireNonNull(redis, "redis");
        }
    }

    /** {@code requests} per {@code unitSeconds}, {@code burst} above it; every selector must match. */
    public record RateLimitRule(long requests, int unitSeconds, long burst, List<RateLimitSelector> selectors) {
        public RateLimitRule {
            selectors = List.copyOf(selectors);
        }
    }

    /**
     * A JWTPolicy as a route needs it: {@code name} ("namespace/name", the requirement's name on the wire), its
     * providers and whether a request without a token passes; {@code broken} (a policy that does not validate and has
     * no last good version): every request is refused, whatever the providers.
     */
    public record Jwt(String name, List<JwtProvider> providers, boolean optional, boolean broken) {
        public Jwt {
            requireNonNull(name, "name");
            providers = List.copyOf(providers);
        }
    }

    /**
     * One client selector: {@code source} header, sourceCIDR, principal, jwtClaim or path; {@code name} the header's
     * or claim's; {@code distinct} one bucket per value; {@code value} the exact value or CIDR (null: any, Distinct);
     * {@code pathPrefix} for a path selector of type PathPrefix.
     */
    public record RateLimitSelector(String source, String name, boolean distinct, String value, boolean pathPrefix) {
        public RateLimitSelector {
            requireNonNull(source, "source");
        }
    }

    /**
     * A RequestValidationPolicy as the proxy enforces it ({@code policy}: {@code <Kind>/<namespace>/<name>}): limits
     * (0 = none), allowed methods and media types (empty = any), at most one of a JSON Schema and an OpenAPI document
     * (their text, already checked to compile). {@code failClosedStatus} non-zero: the policy cannot be served (it does
     * not validate and has no last good version, or its schema is missing or does not compile) and every request is
     * answered with that status and {@code failClosedReason}.
     */
    public record Validation(String policy, int maxUriBytes, int maxHeadersBytes, int maxHeaders, int maxBodyBytes,
                             List<String> methods, List<String> contentTypes, String jsonSchema, String openApi,
                             int failClosedStatus, String failClosedReason) {
        public Validation {
            requireNonNull(policy, "policy");
            methods = List.copyOf(methods);
            contentTypes = List.copyOf(contentTypes);
        }

        public static Validation failClosed(String policy, int status, String reason) {
            return new Validation(policy, 0, 0, 0, 0, List.of(), List.of(), null, null, status, reason);
        }
    }

    /**
     * One JWT provider: {@code jwks} the key set (a JWKS document: inline, or what the control plane fetched; null
     * when a remote one was never fetched, which fails closed), issuer (null: any), audiences (empty: any), where the
     * token is looked for ({@code headers} name to value prefix, {@code cookies}, {@code params}) and the claims
     * copied to request headers (claim to header).
     */
    public record JwtProvider(String name, String issuer, List<String> audiences, String jwks,
                              List<HeaderValue> headers, List<String> cookies, List<String> params,
                              List<HeaderValue> claimToHeaders) {
        public JwtProvider {
            requireNonNull(name, "name");
            audiences = List.copyOf(audiences);
            headers = List.copyOf(headers);
            cookies = List.copyOf(cookies);
            params = List.copyOf(params);
            claimToHeaders = List.copyOf(claimToHeaders);
        }
    }

    /** Header modifiers on the request and the response, and a CORS policy (null: none). */
    public record RouteFilters(HeaderOps requestHeaders, HeaderOps responseHeaders, Cors cors) {
        public static final RouteFilters NONE = new RouteFilters(HeaderOps.NONE, HeaderOps.NONE, null);

        public RouteFilters {
            requireNonNull(requestHeaders, "requestHeaders");
            requireNonNull(responseHeaders, "responseHeaders");
        }
    }

    /** Gateway API header modifier: set (overwrite or add), add (append with ","), remove. */
    public record HeaderOps(List<HeaderValue> set, List<HeaderValue> add, List<String> remove) {
        public static final HeaderOps NONE = new HeaderOps(List.of(), List.of(), List.of());

        public HeaderOps {
            set = List.copyOf(set);
            add = List.copyOf(add);
            remove = List.copyOf(remove);
        }

        public boolean isEmpty() {
            return set.isEmpty() && add.isEmpty() && remove.isEmpty();
        }
    }

    public record HeaderValue(String name, String value) {
        public HeaderValue {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
        }
    }

    /** An origin: exact, or a regex (RE2) for "*" and wildcard hosts. */
    public record OriginMatch(boolean regex, String value) {
        public OriginMatch {
            requireNonNull(value, "value");
        }
    }

    /** CORS policy; list fields are sent comma-joined; maxAge in seconds. */
    public record Cors(List<OriginMatch> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                       List<String> exposeHeaders, int maxAge, boolean allowCredentials) {
        public Cors {
            allowOrigins = List.copyOf(allowOrigins);
            allowMethods = List.copyOf(allowMethods);
            allowHeaders = List.copyOf(allowHeaders);
            exposeHeaders = List.copyOf(exposeHeaders);
        }
    }

    /** A path rewrite: the full path (regex_rewrite of the whole path) or the matched prefix (prefix_rewrite). */
    public record PathRewrite(boolean fullPath, String value) {
        public PathRewrite {
            requireNonNull(value, "value");
        }
    }

    /** A mirror: every request when denominator is 0, else numerator/denominator (100, 10000 or 1000000). */
    public record Mirror(String cluster, int numerator, int denominator) {
        public Mirror {
            requireNonNull(cluster, "cluster");
            if (denominator != 0 && denominator != 100 && denominator != 10_000 && denominator != 1_000_000) {
                throw new IllegalArgumentException("denominator must be 0, 100, 10000 or 1000000, not " + denominator);
            }
        }
    }

    /** Retries: attempts, codes, backoff (ms, null: the proxy's default), per-try timeout (ms, null: none). */
    public record Retry(int attempts, List<Integer> codes, Long backoffMillis, Long perTryTimeoutMillis) {
        public Retry {
            codes = List.copyOf(codes);
        }
    }

    public enum PathKind { EXACT, PREFIX, PATH_SEPARATED_PREFIX, REGEX }

    public record Match(PathKind pathKind, String path, List<ValueMatch> headers, List<ValueMatch> queryParameters) {
        public Match {
            requireNonNull(pathKind, "pathKind");
            requireNonNull(path, "path");
            headers = List.copyOf(headers);
            queryParameters = List.copyOf(queryParameters);
        }
    }

    public record ValueMatch(String name, boolean regex, String value) {
        public ValueMatch {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
        }
    }

    public sealed interface Action permits Forward, DirectResponse, Redirect {}

    /**
     * A redirect (RequestRedirect): scheme and host null keep the request's; port null only until the listener's
     * port is known (the control plane always sends one); path null keeps the request's.
     */
    public record Redirect(String scheme, String host, Integer port, PathRewrite path, int status) implements Action {
        public Redirect withPort(int p) {
            return new Redirect(scheme, host, p, path, status);
        }
    }

    /**
     * Forward to weighted clusters (weights > 0). A backend found invalid is a cluster named
     * {@code lattice.invalid/<reason>}; then {@code invalidBackends} is true and a missing cluster answers 500.
     * {@code session} is the rule's session persistence, null when none.
     */
    public record Forward(List<WeightedCluster> clusters, boolean invalidBackends, PathRewrite rewrite, String hostRewrite,
                          List<Mirror> mirrors, long timeoutMillis, Retry retry, Session session) implements Action {
        public Forward {
            clusters = List.copyOf(clusters);
            mirrors = List.copyOf(mirrors);
            if (clusters.isEmpty()) throw new IllegalArgumentException("clusters must not be empty");
        }

        public Forward(List<WeightedCluster> clusters, boolean invalidBackends, PathRewrite rewrite, String hostRewrite,
                       List<Mirror> mirrors, long timeoutMillis, Retry retry) {
            this(clusters, invalidBackends, rewrite, hostRewrite, mirrors, timeoutMillis, retry, null);
        }

        public Forward(List<WeightedCluster> clusters, boolean invalidBackends) {
            this(clusters, invalidBackends, null, null, List.of(), 0, null, null);
        }

        /** This forward with {@code port} in its backends' redirects that have none yet (the listener's port). */
        public Forward withRedirectPort(int port) {
            if (clusters.stream().noneMatch(c -> c.redirect() != null && c.redirect().port() == null)) return this;
            List<WeightedCluster> cs = clusters.stream().map(c -> c.redirect() == null || c.redirect().port() != null ? c
                    : new WeightedCluster(c.name(), c.weight(), c.requestHeaders(), c.responseHeaders(), c.rewrite(),
                            c.hostRewrite(), c.redirect().withPort(port))).toList();
            return new Forward(cs, invalidBackends, rewrite, hostRewrite, mirrors, timeoutMillis, retry, session);
        }
    }

    /**
     * Session persistence (GEP-1619) by a cookie or a header named {@code name}. {@code cookiePath} null: the path
     * of the route's match. {@code cookieTtlSeconds} > 0 makes the cookie permanent (Max-Age); {@code lifetimeSeconds}
     * (> 0) is how long the proxy honours a session it issued (absoluteTimeout), 0 for ever.
     */
    public record Session(boolean cookie, String name, String cookiePath, long cookieTtlSeconds, long lifetimeSeconds) {
        public Session {
            requireNonNull(name, "name");
        }
    }

    public record DirectResponse(int status, String body) implements Action {
        public DirectResponse {
            requireNonNull(body, "body");
        }
    }

    /**
     * A weighted cluster with its backendRef-level filters: header modifiers, a URL rewrite (path and host, null when
     * none) and a redirect (null when none; then the proxy answers it when this backend is picked).
     */
    public record WeightedCluster(String name, int weight, HeaderOps requestHeaders, HeaderOps responseHeaders,
                                  PathRewrite rewrite, String hostRewrite, Redirect redirect) {
        public WeightedCluster {
            requireNonNull(name, "name");
            requireNonNull(requestHeaders, "requestHeaders");
            requireNonNull(responseHeaders, "responseHeaders");
        }

        public WeightedCluster(String name, int weight, HeaderOps requestHeaders, HeaderOps responseHeaders) {
            this(name, weight, requestHeaders, responseHeaders, null, null, null);
        }

        public WeightedCluster(String name, int weight) {
            this(name, weight, HeaderOps.NONE, HeaderOps.NONE);
        }

        /** Whether it has backendRef-level filters (then it is sent as a weighted cluster, never a plain one). */
        public boolean hasFilters() {
            return !requestHeaders.isEmpty() || !responseHeaders.isEmpty() || rewrite != null || hostRewrite != null
                    || redirect != null;
        }
    }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST }

    /** A cluster; {@code tls} null: plain TCP to its endpoints, else TLS by a BackendTLSPolicy. */
    public record Cluster(String name, LbPolicy lbPolicy, boolean h2c, List<Endpoint> endpoints, UpstreamTls tls) {
        public Cluster {
            requireNonNull(name, "name");
            requireNonNull(lbPolicy, "lbPolicy");
            endpoints = List.copyOf(endpoints);
        }

        public Cluster(String name, LbPolicy lbPolicy, boolean h2c, List<Endpoint> endpoints) {
            this(name, lbPolicy, h2c, endpoints, null);
        }
    }

    /**
     * TLS to a cluster's endpoints: the SNI, the trusted CA PEM (null: the system's roots), the subject alternative
     * names one of which the endpoint's certificate must have, and the client certificate the proxy presents (null:
     * none; a Gateway's spec.tls.backend.clientCertificateRef).
     */
    public record UpstreamTls(String sni, String trustedCaPem, List<San> subjectAltNames, Certificate clientCertificate) {
        public UpstreamTls {
            requireNonNull(sni, "sni");
            subjectAltNames = List.copyOf(subjectAltNames);
        }

        /** Without a client certificate. */
        public UpstreamTls(String sni, String trustedCaPem, List<San> subjectAltNames) {
            this(sni, trustedCaPem, subjectAltNames, null);
        }

        /** The same TLS, presenting {@code certificate}. */
        public UpstreamTls withClientCertificate(Certificate certificate) {
            return new UpstreamTls(sni, trustedCaPem, subjectAltNames, certificate);
        }
    }

    /** A subject alternative name: {@code uri} false for a DNS name. */
    public record San(boolean uri, String value) {
        public San {
            requireNonNull(value, "value");
        }
    }

    /** An endpoint; {@code identity}: the SPIFFE ID of the sidecar behind it, reached by mesh mTLS (null: plaintext). */
    public record Endpoint(String address, int port, String identity) {
        public Endpoint {
            requireNonNull(address, "address");
        }

        public Endpoint(String address, int port) {
            this(address, port, null);
        }
    }
}
