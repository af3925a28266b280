package dev.lattice.proxy.xds;

/** A resource the proxy cannot use; the message names the resource and the field, as a NACK reports it. */
public final class XdsRejection extends Exception {
    private final String resource;

    public XdsRejection(String resource, String message) {
        super(resource + ": " + message);
        this.resource = resource;
    }

    /** e.g. {@code "listener gateway/8080"} or {@code "cluster default/reviews/9080"}. */
    public String resource() {
        return resource;
    }
}
