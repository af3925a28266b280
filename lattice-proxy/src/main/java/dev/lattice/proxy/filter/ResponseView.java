package dev.lattice.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/** An upstream response as a {@link StreamFilter} sees it before it goes to the client. */
public interface ResponseView {
    /** The response status. */
    int status();

    /** The response headers, to read or change. */
    HttpHeaders headers();

    /** The endpoint that answered. */
    InetSocketAddress upstreamAddress();

    /** Whether the endpoint that answered is the one a filter asked for with {@link RequestView#pinUpstream}. */
    boolean upstreamPinned();

    /** Whether the downstream connection is TLS. */
    boolean secure();
}
