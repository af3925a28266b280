package dev.lattice.control.translate;

import static java.util.Objects.requireNonNull;

import dev.lattice.model.Gateway;

/**
 * A route's parentRef to a Gateway or a ListenerSet, resolved: the Gateway whose proxy serves the parent's listeners
 * and the parent's name for messages ("Gateway ns/name", "ListenerSet ns/name"); or, when the parent cannot take
 * routes, the route's Accepted reason and message ({@code gateway} may then be null).
 */
record ParentTarget(Gateway gateway, String label, String reason, String message) {
    ParentTarget {
        requireNonNull(label, "label");
    }

    static ParentTarget of(Gateway gateway, String label) {
        return new ParentTarget(requireNonNull(gateway, "gateway"), label, null, null);
    }

    static ParentTarget failed(Gateway gateway, String label, String reason, String message) {
        return new ParentTarget(gateway, label, requireNonNull(reason, "reason"), requireNonNull(message, "message"));
    }

    boolean found() {
        return reason == null;
    }
}
