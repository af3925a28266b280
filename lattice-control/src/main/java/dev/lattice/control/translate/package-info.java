/**
 * Translation, model → IR ({@link dev.lattice.control.translate.ir.Ir}) → xDS, pure and deterministic.
 * Entry points: {@link dev.lattice.control.translate.MeshTranslator#proxies} and
 * {@link dev.lattice.control.translate.MeshTranslator#translate}. docs/xds.md is the target.
 *
 * <p>Choices where the Gateway API leaves room, or where Lattice runs off Kubernetes:
 * <ul>
 *   <li>Route order: Exact path, then RegularExpression (longer first), then PathPrefix (longer first), then
 *       method, header count, query count, oldest creationTimestamp (none = newest), "namespace/name", rule
 *       and match order. On a Gateway, rules of routes with a more specific matching hostname come first.</li>
 *   <li>A host belongs to the most specific Gateway listener on its port that matches it (listener isolation);
 *       every listener hostname gets a virtual host even without routes, so its hosts never fall through to a
 *       less specific listener's routes.</li>
 *   <li>attachedRoutes counts the routes a listener accepts: selected by parentRef and allowedRoutes, with a hostname
 *       in common (a listener whose certificate refs do not resolve still counts them, and serves none).</li>
 *   <li>A Gateway with a {@code spec.infrastructure.parametersRef} is Accepted=False InvalidParameters (Lattice has
 *       no parameters kind) and gets no listeners.</li>
 *   <li>A sidecar's outbound listener also has one virtual host per Workload port, {@code <address>:<port>}, sending
 *       straight to that Workload (through its sidecar): a request to a workload's address bypasses Service routes.</li>
 *   <li>A parentRef to a Gateway that does not exist gets Accepted=False NoMatchingParent; one to another
 *       controller's Gateway gets no status entry from Lattice.</li>
 *   <li>GAMMA: producer routes (route namespace = Service namespace) apply to every client, consumer routes to
 *       clients in the route's namespace and before the producer's; route hostnames are ignored. A route whose
 *       parents are all Services needs no ReferenceGrant for a backendRef to one of those parent Services (its
 *       clients reach that Service anyway: upstream's mesh-consumer-route); every other cross-namespace backendRef,
 *       and any from a route with a Gateway parent, needs one.</li>
 *   <li>A namespace's labels are those of a core v1 Namespace resource, plus kubernetes.io/metadata.name.</li>
 *   <li>A rule without backendRefs, or whose backendRefs all have weight 0, answers 500 (direct response).</li>
 *   <li>Listeners ({@link dev.lattice.control.translate.GatewayListeners}): HTTP, HTTPS with tls.mode Terminate and
 *       TLS with Passthrough or Terminate (TLS ends at the gateway, the TLSRoute gets the plain stream) are accepted
 *       (else UnsupportedProtocol / UnsupportedValue). HTTPS and TLS, Terminate and Passthrough, share a port by
 *       SNI; HTTP shares one with HTTP only (else ProtocolConflict); the later of two listeners with one port and
 *       hostname is Conflicted (HostnameConflict). A certificateRef that is not a kubernetes.io/tls Secret with PEM that
 *       parses is InvalidCertificateRef, one to another namespace without a ReferenceGrant RefNotPermitted; either
 *       leaves the listener unprogrammed. Chains: {@link dev.lattice.control.translate.GatewayPortChains}.</li>
 *   <li>TLSRoutes ({@link dev.lattice.control.translate.TlsRoutes}): all rules' backendRefs form one weighted set; when
 *       two claim one SNI name the first by namespace/name keeps it. A TLSRoute counts in a listener's attachedRoutes
 *       only when one of its hostnames intersects the listener's (as upstream's TLSRoute conformance tests read it).</li>
 *   <li>TCPRoutes (also {@link dev.lattice.control.translate.TlsRoutes}) attach to TCP listeners only (a TCP listener
 *       supports TCPRoute only; it shares its port with no other listener). Its port gets one default tcp_proxy chain
 *       without TLS inspector: the oldest attached TCPRoute's (creationTimestamp, then namespace/name); every attached
 *       TCPRoute is Accepted and counted in attachedRoutes (upstream's tcproute-multiple-routes-attachment).</li>
 *   <li>Route filters ({@link dev.lattice.control.translate.FilterTranslator}, xDS by
 *       {@link dev.lattice.control.translate.RouteXds}): RequestRedirect with URLRewrite, or with backendRefs, is
 *       IncompatibleFilters (also both in one backendRef); an unknown filter type, RequestMirror or CORS at backendRef
 *       level, and a sessionPersistence idleTimeout (as Envoy Gateway) are UnsupportedValue; each rejects the whole
 *       route (Accepted=False, nothing sent). backendRef-level URLRewrite and RequestRedirect apply when that backend is
 *       picked. Session persistence: the cookie or header named by the rule, else
 *       {@code <kind>-<namespace>-<route>-rule-<i>} (Envoy Gateway's name); the cookie Path is the route match's path
 *       (the regex's literal leading segments) unless cookie.path is written; Max-Age only for lifetimeType Permanent.
 *       ExtensionRef (Lattice has none) is an unresolved reference: ResolvedRefs=False InvalidKind, the rule (or that
 *       backend's share) answers 500. A mirror whose backendRef does not resolve is left out (ResolvedRefs=False).
 *       A redirect without port takes the scheme's port (http 80, https 443), else the listener's (the Service port
 *       in the mesh). retry.attempts defaults to 1.</li>
 *   <li>GRPCRoutes ({@link dev.lattice.control.translate.GrpcRoutes}) are translated as HTTPRoute-shaped routes on the
 *       gRPC path, ordered by GRPCRoute precedence and placed before the HTTPRoutes of the same virtual host (no
 *       merging); their backends are h2c clusters. In the mesh an HTTPRoute on a Service port that a GRPCRoute also
 *       has as parent is Accepted=False Conflicted (GEP-1426); at a Gateway both apply.</li>
 *   <li>Gateway addresses ({@link dev.lattice.control.translate.GatewayAddresses}): one static IPAddress on the loopback
 *       is bound by the listeners and is status.addresses; another type is UnsupportedAddress (not accepted), an IP
 *       off the loopback or a second static address AddressNotUsable (accepted, nothing programmed); else 0.0.0.0 is
 *       bound and 127.0.0.1 is the status address.</li>
 * </ul>
 */
package dev.lattice.control.translate;
