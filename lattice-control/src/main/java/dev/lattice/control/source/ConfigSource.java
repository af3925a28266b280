package dev.lattice.control.source;

/**
 * Where resources come from: a watched directory now, the Kubernetes API later. A source calls its listener
 * with a whole new {@link SourceState} each time something changed (never concurrently), and once on start.
 */
public interface ConfigSource extends AutoCloseable {
    void start(java.util.function.Consumer<SourceState> listener);

    @Override
    void close();
}
