package dev.lattice.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Which TLS implementation the proxy's contexts use: BoringSSL through netty-tcnative (its jar ships the native
 * library) when that library loads, else the JDK's TLS. {@code -Dlattice.proxy.tls=jdk} forces the JDK's (to compare
 * them, or should the native library misbehave somewhere). The choice is made once and logged once. No crypto is
 * written here: both are the implementations' own.
 */
public final class TlsProviders {
    /** The system property that forces the JDK's TLS when it is {@code jdk}. */
    public static final String PROPERTY = "lattice.proxy.tls";

    private static final Logger LOG = Logger.getLogger(TlsProviders.class.getName());
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static volatile SslProvider chosen;

    private TlsProviders() {}

    /** The provider of this process: {@link SslProvider#OPENSSL} (BoringSSL) or {@link SslProvider#JDK}. */
    public static SslProvider provider() {
        SslProvider p = chosen;
        if (p == null) {
            p = choose(System.getProperty(PROPERTY), OpenSsl.isAvailable());
            chosen = p;
            if (LOGGED.compareAndSet(false, true)) {
                if (p == SslProvider.OPENSSL) {
                    LOG.info("TLS: BoringSSL (" + OpenSsl.versionString() + ", netty-tcnative)");
                } else if ("jdk".equalsIgnoreCase(System.getProperty(PROPERTY))) {
                    LOG.info("TLS: the JDK's (-D" + PROPERTY + "=jdk)");
                } else {
                    Throwable why = OpenSsl.unavailabilityCause();
                    LOG.warning("TLS: the JDK's; BoringSSL did not load: " + (why == null ? "unknown" : why));
                }
            }
        }
        return p;
    }

    /**
     * The rule: OPENSSL when BoringSSL is available and {@code property} is not {@code jdk}; JDK otherwise.
     *
     * @param property the value of {@value #PROPERTY}, or null
     * @param openSslAvailable whether netty-tcnative's library loaded
     */
    static SslProvider choose(String property, boolean openSslAvailable) {
        if (property != null && !property.isBlank() && !property.equalsIgnoreCase("jdk")
                && !property.equalsIgnoreCase("boringssl") && !property.equalsIgnoreCase("openssl")) {
            LOG.warning("-D" + PROPERTY + "=" + property + " is neither jdk nor boringssl; ignored");
        }
        if ("jdk".equalsIgnoreCase(property)) return SslProvider.JDK;
        return openSslAvailable ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The provider's name as the admin API and logs show it: "BoringSSL" or "JDK". */
    public static String name() {
        return name(provider());
    }

    static String name(SslProvider p) {
        return p == SslProvider.JDK ? "JDK" : "BoringSSL";
    }
}
