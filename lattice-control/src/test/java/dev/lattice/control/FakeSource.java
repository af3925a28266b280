package dev.lattice.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.source.ConfigSource;
import dev.lattice.control.source.SourceState;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Source;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/** A source the test drives by hand (the resources are real model objects; only the watching is skipped). */
public final class FakeSource implements ConfigSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private volatile Consumer<SourceState> listener;
    private volatile SourceState initial;
    public volatile boolean closed;

    public FakeSource(SourceState initial) {
        this.initial = initial;
    }

    @Override
    public void start(Consumer<SourceState> listener) {
        this.listener = listener;
        listener.accept(initial);
    }

    public void push(SourceState s) {
        listener.accept(s);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** A resource from JSON text: apiVersion, kind, metadata.name/namespace are read from it. */
    public static Resource resource(String file, int line, String json) {
        try {
            ObjectNode o = (ObjectNode) JSON.readTree(json);
            String kind = o.path("kind").asText();
            boolean clusterScoped = kind.equals("GatewayClass") || kind.equals("Namespace");
            String ns = clusterScoped ? "" : o.path("metadata").path("namespace").asText("default");
            return new Resource(new ResourceKey(kind, ns, o.path("metadata").path("name").asText()),
                    o.path("apiVersion").asText(), new Source(file, line), o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
