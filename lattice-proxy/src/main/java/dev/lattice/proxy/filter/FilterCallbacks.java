package dev.lattice.proxy.filter;

/**
 * The handle of a paused request (see {@link RequestView#pause()}): the filter calls exactly one of these once its
 * asynchronous check is done, from any thread; the connection manager goes on on the stream's event loop. A call
 * after the stream is gone (the client left) does nothing; a second call does nothing either.
 */
public interface FilterCallbacks {
    /** The request goes on: to the next filter, then the router. */
    void proceed();

    /** The request is answered with {@code reply} and never reaches the router. */
    void reply(LocalReply reply);
}
