package dev.lattice.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lattice proxy ...}: runs the proxy ({@code dev.lattice.proxy.ProxyMain}) with the arguments as given. */
@Command(name = "proxy", description = "Run a proxy: --xds HOST:PORT --node-id ID --admin-port N [--threads N] "
        + "[--bootstrap FILE] (the arguments go to the proxy as they are).")
public final class ProxyCommand implements java.util.concurrent.Callable<Integer> {
    static final String PROXY_MAIN = "dev.lattice.proxy.ProxyMain";
    /** Used when the proxy does not (yet) publish its own RECOMMENDED_JVM_FLAGS. */
    static final List<String> FALLBACK_JVM_FLAGS =
            List.of("-XX:+UseSerialGC", "-Xmx64m", "-Xss512k", "-XX:ReservedCodeCacheSize=32m");

    @Parameters(arity = "0..*", description = "arguments for the proxy")
    List<String> args = List.of();

    @Override
    public Integer call() {
        return runProxy(args.toArray(String[]::new));
    }

    static int runProxy(String[] args) {
        return Main.invokeMain(PROXY_MAIN, args);
    }

    /** The proxy's RECOMMENDED_JVM_FLAGS, or the fallback when the proxy does not define them. */
    @SuppressWarnings("unchecked")
    static List<String> recommendedJvmFlags() {
        try {
            Object flags = Class.forName(PROXY_MAIN).getField("RECOMMENDED_JVM_FLAGS").get(null);
            if (flags instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) {
                return List.copyOf((List<String>) l);
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // not there (yet): fall back
        }
        return FALLBACK_JVM_FLAGS;
    }
}
