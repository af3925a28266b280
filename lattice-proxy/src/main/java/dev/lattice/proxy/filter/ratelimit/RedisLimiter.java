package dev.lattice.proxy.filter.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The proxy's one connection to the mesh's rate-limit Redis (one per address, shared by every listener, route and
 * event loop of the proxy): Lettuce's async API over a single connection, so the commands of concurrent requests are
 * pipelined, each request one {@code EVALSHA} of {@link #SCRIPT} (one round trip; {@code EVAL} when Redis answers
 * {@code NOSCRIPT}, e.g. after a restart). Nothing here blocks: the connection is opened asynchronously and retried
 * every {@link #RETRY} until it is up; after that Lettuce reconnects by itself (within a second). While it is not
 * connected a command fails at once ({@code REJECT_COMMANDS}), and a command that gets no answer within the timeout
 * fails then: the caller applies the rule's failure mode.
 *
 * <p>In a proxy, Lettuce runs on the proxy's own event loops (the connection on one of them, as an upstream connection
 * is); its answers complete there and the filter hands them to the stream's loop through
 * {@link dev.lattice.proxy.filter.FilterCallbacks}. Without a data plane (unit tests) it has two threads of its own.
 */
final class RedisLimiter {
    private static final Logger LOG = Logger.getLogger(RedisLimiter.class.getName());

    /**
     * GCRA per key, on Redis's clock (so every proxy agrees on time): KEYS one per applying rule, in order; ARGV two per
     * key: the emission interval and the tolerance (capacity × interval), in microseconds. A key holds the rule's
     * theoretical arrival time (TAT) and expires when its bucket would be full again. The first key without a token
     * answers {index, microseconds until one}; earlier keys keep the token they gave. {0, 0}: every key gave one.
     */
    static final String SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            for i = 1, #KEYS do
              local interval = tonumber(ARGV[2 * i - 1])
              local tolerance = tonumber(ARGV[2 * i])
              local tat = tonumber(redis.call('GET', KEYS[i]))
              if tat == nil or tat < now then tat = now end
              local ahead = tat + interval - now
              if ahead > tolerance then return {i, ahead - tolerance} end
              redis.call('SET', KEYS[i], string.format('%.0f', tat + interval), 'PX', math.ceil(ahead / 1000))
            end
            return {0, 0}
            """;
    static final String SHA = sha1(SCRIPT);
    static final Duration RETRY = Duration.ofMillis(250);

    /** The failure of a command sent while there is no connection (Redis unreachable so far, or reconnecting). */
    static final IllegalStateException NOT_CONNECTED = new IllegalStateException("not connected to Redis") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private static final ConcurrentHashMap<String, RedisLimiter> BY_ADDRESS = new ConcurrentHashMap<>();
    private static ClientResources resources;

    final String address;
    private final String key;
    private final RedisClient client;
    private final RedisURI uri;
    private volatile StatefulRedisConnection<String, String> connection;

    private RedisLimiter(String key, String host, int port, Duration timeout) {
        this.key = key;
        this.address = host + ":" + port;
        this.uri = RedisURI.builder().withHost(host).withPort(port).withTimeout(timeout).build();
        this.client = RedisClient.create(resources(), uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).keepAlive(true).build())
                .build());
        connect();
    }

    /**
     * The limiter of {@code host:port}, made (and connecting) on first use; {@code timeout} bounds each command. The
     * others (a MeshConfig that named another Redis) are closed {@link #retire} later unless wanted again meanwhile, so
     * the streams of the last config finish with theirs.
     */
    static RedisLimiter of(String host, int port, Duration timeout) {
        String key = host + ":" + port + "/" + timeout.toMillis();
        RedisLimiter l = BY_ADDRESS.computeIfAbsent(key, k -> new RedisLimiter(k, host, port, timeout));
        l.wanted = System.nanoTime();
        for (RedisLimiter other : BY_ADDRESS.values()) if (other != l) other.retireLater();
        return l;
    }

    /** How long a limiter no config wants any more stays open (30 s; tests shorten it). */
    static volatile Duration retire = Duration.ofSeconds(30);
    private volatile long wanted;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean retiring = new java.util.concurrent.atomic.AtomicBoolean();

    private void retireLater() {
        if (!retiring.compareAndSet(false, true)) return;
        resources().eventExecutorGroup().schedule(() -> {
            retiring.set(false);
            if (System.nanoTime() - wanted < retire.toNanos()) return; // wanted again
            if (!BY_ADDRESS.remove(key, this)) return;
            closed = true;
            StatefulRedisConnection<String, String> c = connection;
            connection = null;
            if (c != null) c.closeAsync();
            client.shutdownAsync(0, 2, TimeUnit.SECONDS);
            LOG.info("rate-limit Redis " + address + " no longer used: closed");
        }, retire.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static volatile io.netty.channel.EventLoopGroup sharedLoops;
    private static io.netty.channel.EventLoopGroup resourcesLoops; // what resources were built on (null: own threads)

    static void shareEventLoops(io.netty.channel.EventLoopGroup loops) {
        sharedLoops = loops;
    }

    /**
     * Lettuce's resources: on the proxy's event loops when the data plane shared them (Lettuce's connection then lives
     * on one of them, like an upstream connection; its answers complete there), else on two threads of its own (unit
     * tests). Built again if the loops they were built on have shut down (a test's proxy that stopped).
     */
    private static synchronized ClientResources resources() {
        if (resources != null && (resourcesLoops == null || !resourcesLoops.isShuttingDown())) return resources;
        io.netty.channel.EventLoopGroup loops = sharedLoops;
        if (loops != null && loops.isShuttingDown()) loops = null;
        ClientResources.Builder b = ClientResources.builder().computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .nettyCustomizer(new io.lettuce.core.resource.NettyCustomizer() {
                    @Override
                    public void afterChannelInitialized(io.netty.channel.Channel ch) {
                        // the commands of many requests written in one turn of the loop leave in one write
                        ch.pipeline().addFirst(new io.netty.handler.flush.FlushConsolidationHandler(256, true));
                    }
                });
        if (loops != null) b.eventLoopGroupProvider(new SharedLoops(loops));
        else b.ioThreadPoolSize(2);
        resourcesLoops = loops;
        return resources = b.build();
    }

    /** Hands Lettuce the proxy's loops and never shuts them down (the data plane owns them). */
    private record SharedLoops(io.netty.channel.EventLoopGroup loops) implements io.lettuce.core.resource.EventLoopGroupProvider {
        @Override
        @SuppressWarnings("unchecked")
        public <T extends io.netty.channel.EventLoopGroup> T allocate(Class<T> type) {
            return (T) loops;
        }

        @Override
        public int threadPoolSize() {
            int n = 0;
            for (io.netty.util.concurrent.EventExecutor ignored : loops) n++;
            return n;
        }

        @Override
        public io.netty.util.concurrent.Future<Boolean> release(io.netty.util.concurrent.EventExecutorGroup g, long quiet,
                                                                 long timeout, TimeUnit unit) {
            return io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public io.netty.util.concurrent.Future<Boolean> shutdown(long quiet, long timeout, TimeUnit unit) {
            return io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }

    private void connect() {
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((c, err) -> {
            if (closed) {
                if (c != null) c.closeAsync();
                return;
            }
            if (err != null) {
                LOG.log(Level.FINE, "rate-limit Redis " + address + " unreachable, retrying", err);
                resources().eventExecutorGroup().schedule(this::connect, RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            LOG.info("rate-limit Redis " + address + " connected");
            connection = c;
            c.async().scriptLoad(SCRIPT); // loaded once; EVAL covers a Redis that lost it
        });
    }

    /** Whether it was closed (no longer wanted). */
    boolean closed() {
        return closed;
    }

    /** Whether the connection is up now. */
    boolean connected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /**
     * Runs {@link #SCRIPT} on {@code keys} with {@code args}: completes with {@code [index, value]} (see the script), or
     * exceptionally when Redis cannot answer (not connected, timed out, an error). Never blocks.
     */
    CompletionStage<List<Object>> run(String[] keys, String[] args) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) return CompletableFuture.failedStage(NOT_CONNECTED);
        RedisAsyncCommands<String, String> a = c.async();
        CompletionStage<List<Object>> first = a.evalsha(SHA, ScriptOutputType.MULTI, keys, args);
        return first.exceptionallyCompose(e -> noScript(e)
                ? a.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
                : CompletableFuture.failedStage(e));
    }

    private static boolean noScript(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof RedisNoScriptException || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
