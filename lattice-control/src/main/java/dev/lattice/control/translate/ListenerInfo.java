package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Gateway;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.ListenerSet;
import java.util.List;

/**
 * A listener of a Gateway's proxy as translation sees it ({@link GatewayListeners} builds it): whether it is accepted
 * (else {@code acceptedReason}), conflicted ({@code conflictReason}), its certificates or why they do not resolve, and
 * the route kinds it supports. {@code index} is its place among all the proxy's listeners (the Gateway's own, then
 * those of the ListenerSets attached to it); {@code set} is the ListenerSet that declares it (null: the Gateway),
 * {@code local} its index in that resource's spec.listeners and {@code namespace} that resource's namespace.
 */
record ListenerInfo(int index, Gateway.Listener listener, String acceptedReason, String acceptedMessage,
                    String conflictReason, String conflictMessage, String refReason, String refMessage,
                    List<Gateway.RouteGroupKind> supportedKinds, List<String> invalidKinds, Ir.TlsContext tls,
                    ListenerSet set, int local, String namespace) {
    ListenerInfo {
        requireNonNull(listener, "listener");
        supportedKinds = List.copyOf(supportedKinds);
        invalidKinds = List.copyOf(invalidKinds);
        requireNonNull(namespace, "namespace");
    }

    /**
     * Whether a route's parentRef (the route in {@code routeNs}) selects this listener of Gateway {@code g}'s proxy:
     * a Gateway parentRef selects the Gateway's own listeners, a ListenerSet parentRef those of that ListenerSet;
     * then sectionName and port narrow.
     */
    boolean selectedBy(HttpRoute.ParentRef p, String routeNs, Gateway g) {
        String ns = p.namespace() == null ? routeNs : p.namespace();
        boolean owner = set == null
                ? p.isGateway() && p.name().equals(g.meta().name()) && ns.equals(g.meta().namespace())
                : p.isListenerSet() && p.name().equals(set.meta().name()) && ns.equals(set.meta().namespace());
        return owner && (p.sectionName() == null || p.sectionName().equals(listener.name()))
                && (p.port() == null || p.port() == listener.port());
    }

    /** Whether allowedRoutes.namespaces admits routes of {@code routeNs} ("Same": the declaring resource's namespace). */
    boolean allowsRoutesFrom(String routeNs, MeshIndex index) {
        Gateway.AllowedRoutes a = listener.allowedRoutes();
        return index.namespaceSelected(a.from(), a.selector(), namespace, routeNs);
    }

    /** The spec.listeners[i] path of this listener in the resource that declares it. */
    String field() {
        return "spec.listeners[" + local + "]";
    }

    /** Accepted: a protocol and TLS mode Lattice serves. */
    boolean accepted() {
        return acceptedReason == null;
    }

    /** Kept for older callers: an accepted listener (HTTP, HTTPS or TLS). */
    boolean http() {
        return accepted();
    }

    boolean conflicted() {
        return conflictReason != null;
    }

    /**
     * Sent to the proxy: accepted, not conflicted, and its references resolved, or enough of them to serve: a listener
     * whose frontend validation has some invalid CA refs next to valid ones reports ResolvedRefs=False and is served,
     * validating with the valid ones (the spec takes a listener out only when no CA ref is valid).
     */
    boolean programmed() {
        return accepted() && !conflicted() && (refReason == null || tls != null);
    }

    /** HTTP or HTTPS: served by an HTTP connection manager. */
    boolean servesHttp() {
        return accepted() && !listener.protocol().equals("TLS") && !listener.protocol().equals("TCP");
    }

    /** TCP: its port has one tcp_proxy chain (the TCPRoute it serves), without SNI. */
    boolean usesTcp() {
        return listener.protocol().equals("TCP");
    }

    /** HTTPS or TLS: its port's chains are chosen by SNI. */
    boolean usesTls() {
        return listener.protocol().equals("HTTPS") || listener.protocol().equals("TLS");
    }

    boolean allows(String group, String kind) {
        return supportedKinds.stream().anyMatch(k -> k.group().equals(group) && k.kind().equals(kind));
    }

    boolean allowsHttpRoute() {
        return allows(HttpRoute.GROUP, HttpRoute.KIND);
    }
}
