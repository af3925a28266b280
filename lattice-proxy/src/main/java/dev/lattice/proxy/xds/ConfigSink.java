package dev.lattice.proxy.xds;

import dev.lattice.proxy.config.ProxyConfig;
import java.util.Map;

/** Where parsed config goes: compiles and swaps it in, binding and unbinding listeners. */
public interface ConfigSink {
    /**
     * Applies {@code config}. Returns the listeners that could not be bound, by name, with the reason (empty when
     * all is well). Throws {@link IllegalArgumentException} when the config as a whole is unusable (then nothing
     * changed).
     */
    Map<String, String> apply(ProxyConfig config);
}
