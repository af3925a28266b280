package dev.lattice.proxy.filter.headers;

import dev.lattice.proxy.config.HeaderMods;
import dev.lattice.proxy.filter.HttpFilter;
import dev.lattice.proxy.filter.LocalReply;
import dev.lattice.proxy.filter.RequestView;
import dev.lattice.proxy.filter.ResponseView;
import dev.lattice.proxy.filter.StreamFilter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Gateway API's RequestHeaderModifier and ResponseHeaderModifier (a route's or a backend's): the request's headers are
 * changed on their way upstream, the response's on their way back. One instance per route or backend, shared by all
 * its streams; it follows a stream (as its own, stateless {@link StreamFilter}) only when it changes responses.
 */
public final class HeaderModifierFilter implements HttpFilter, StreamFilter {
    private final Ops request;
    private final Ops response;

    private HeaderModifierFilter(HeaderMods request, HeaderMods response) {
        this.request = Ops.of(request);
        this.response = Ops.of(response);
    }

    /** The filter for these modifiers, or null when they change nothing (a route without them pays nothing). */
    public static HeaderModifierFilter of(HeaderMods request, HeaderMods response) {
        return request.isEmpty() && response.isEmpty() ? null : new HeaderModifierFilter(request, response);
    }

    @Override
    public LocalReply onRequestHeaders(RequestView r) {
        if (request != null) request.apply(r.upstreamHeaders());
        if (response != null) r.observe(this);
        return null;
    }

    @Override
    public void onResponseHeaders(ResponseView r) {
        response.apply(r.headers());
    }

    /** Compiled modifiers: set (overwrite), then add (joined to an existing value with ","), then remove. */
    public static final class Ops {
        private final AsciiString[] setNames;
        private final String[] setValues;
        private final AsciiString[] addNames;
        private final String[] addValues;
        private final AsciiString[] removes;

        private Ops(HeaderMods m) {
            setNames = m.set().stream().map(h -> AsciiString.cached(h.name())).toArray(AsciiString[]::new);
            setValues = m.set().stream().map(HeaderMods.Header::value).toArray(String[]::new);
            addNames = m.add().stream().map(h -> AsciiString.cached(h.name())).toArray(AsciiString[]::new);
            addValues = m.add().stream().map(HeaderMods.Header::value).toArray(String[]::new);
            removes = m.remove().stream().map(AsciiString::cached).toArray(AsciiString[]::new);
        }

        /** The compiled form of {@code m}, or null when it does nothing. */
        public static Ops of(HeaderMods m) {
            return m.isEmpty() ? null : new Ops(m);
        }

        public void apply(HttpHeaders h) {
            for (int i = 0; i < setNames.length; i++) {
                h.set(setNames[i], setValues[i]);
            }
            for (int i = 0; i < addNames.length; i++) {
                List<String> old = h.getAll(addNames[i]);
                if (old.isEmpty()) {
                    h.set(addNames[i], addValues[i]);
                } else {
                    h.set(addNames[i], String.join(",", old) + "," + addValues[i]);
                }
            }
            for (AsciiString r : removes) {
                h.remove(r);
            }
        }
    }
}
