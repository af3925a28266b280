package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Gateway;
import dev.lattice.model.HttpRoute;
import java.util.List;

/**
 * A Gateway listener as translation sees it ({@link GatewayListeners} builds it): whether it is accepted (else
 * {@code acceptedReason}), conflicted ({@code conflictReason}), its certificates or why they do not resolve, and the
 * route kinds it supports.
 */
record ListenerInfo(int index, Gateway.Listener listener, String acceptedReason, String acceptedMessage,
                    String conflictReason, String conflictMessage, String refReason, String refMessage,
                    List<Gateway.RouteGroupKind> supportedKinds, List<String> invalidKinds, Ir.TlsContext tls) {
    ListenerInfo {
        requireNonNull(listener, "listener");
        supportedKinds = List.copyOf(supportedKinds);
        invalidKinds = List.copyOf(invalidKinds);
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

    /** Sent to the proxy: accepted, not conflicted, certificates resolved. */
    boolean programmed() {
        return accepted() && !conflicted() && refReason == null;
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
