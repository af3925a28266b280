package dev.lattice.proxy.filter.validation;

import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;

/** A check of the request's JSON body (and, for OpenAPI, its parameters), compiled once per config. */
interface BodyCheck {
    /**
     * What this request needs, decided from its headers: a reply now (a parameter fails, no operation matches), a
     * callback for its buffered body, or neither (nothing to check).
     */
    Bound bind(RequestView request);

    record Bound(LocalReply reply, RequestView.BodyCallback check) {
        static final Bound NOTHING = new Bound(null, null);
    }
}
