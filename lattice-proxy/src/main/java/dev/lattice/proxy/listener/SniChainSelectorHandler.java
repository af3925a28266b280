package dev.lattice.proxy.listener;

import dev.lattice.proxy.http.ProtocolDetectHandler;
import dev.lattice.proxy.tcp.TcpProxyHandler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * The tls_inspector and filter chain match of a listener with several chains: peeks the ClientHello's SNI without
 * consuming it (a connection that is not TLS has no SNI), chooses the chain ({@link FilterChainSelector}) from the
 * listener's current table and replaces itself with that chain's pipeline: TLS termination then HTTP, plain HTTP,
 * a TCP relay of the TLS bytes ({@link TcpProxyHandler}), or TLS termination then a TCP relay of the plain bytes. No chain: the connection is closed. The connection keeps its chain.
 * A listener without tls_inspector (a TCP listener) is not peeked: {@link #install} picks its default chain at accept.
 */
final class SniChainSelectorHandler extends AbstractSniHandler<CompiledChain> {
    private final ListenerSlot slot;
    private boolean direct;
    private boolean clientHello;

    SniChainSelectorHandler(ListenerSlot slot) {
        super(10_000L);
        this.slot = slot;
    }

    /** Notes whether the first bytes were a TLS ClientHello (null: they are not TLS), Envoy's transport_protocol. */
    @Override
    protected Future<CompiledChain> lookup(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf hello) throws Exception {
        clientHello = hello != null;
        return super.lookup(ctx, hello);
    }

    @Override
    protected Future<CompiledChain> lookup(ChannelHandlerContext ctx, String hostname) {
        CompiledListener cur = slot.current;
        if (cur.chains == null) {
            direct = true; // the listener has become a single plain chain since this connection was accepted
            return ctx.executor().newSucceededFuture(null);
        }
        FilterChainSelector<CompiledChain> s = clientHello ? cur.chainSelector : cur.plainChainSelector;
        return ctx.executor().newSucceededFuture(s.select(hostname));
    }

    /**
     * Sets up a new connection of a listener that has chains: with the tls_inspector, this handler peeks the SNI;
     * without it (a TCP listener's one default chain) the chain is chosen at once, so that a protocol whose server
     * speaks first is relayed without waiting for the client's bytes.
     */
    static void install(Channel ch, ListenerSlot slot) {
        CompiledListener cur = slot.current;
        if (cur.config.tlsInspector()) {
            ch.pipeline().addLast("sni", new SniChainSelectorHandler(slot));
            return;
        }
        CompiledChain chain = cur.chainSelector.select(null);
        if (chain == null) {
            ch.close();
            return;
        }
        ch.pipeline().addLast("start", new ChannelInboundHandlerAdapter());
        addChain(ch.pipeline(), "start", ch.alloc(), slot, chain);
        ch.pipeline().remove("start");
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<CompiledChain> future) {
        ChannelPipeline p = ctx.pipeline();
        CompiledChain chain = future.isSuccess() ? future.getNow() : null;
        if (direct) {
            p.addAfter(ctx.name(), "detect", new ProtocolDetectHandler(slot));
        } else if (chain == null) {
            ctx.close();
            return;
        } else {
            addChain(p, ctx.name(), ctx.alloc(), slot, chain);
        }
        p.remove(this);
    }

    /** Adds the handlers of {@code chain} after the handler named {@code after}. */
    private static void addChain(ChannelPipeline p, String after, ByteBufAllocator alloc, ListenerSlot slot,
            CompiledChain chain) {
        if (!slot.admit(p.channel(), chain.config().connectionLimit())) {
            // connection_limit: over maxConnections, closed before a byte is read or written
            p.channel().close();
            return;
        }
        io.netty.handler.ssl.SslContext ssl = chain.tls() ? chain.ssl() : null;
        if (chain.tls() && ssl == null) {
            // mesh mTLS without a certificate or trust bundle yet: refuse, never fall back to plaintext
            p.channel().close();
            return;
        }
        if (chain.tcp() != null && ssl != null) {
            // TLS ends here: the relay carries the decrypted stream (TLSRoute on a Terminate listener)
            p.addAfter(after, "tls", ssl.newHandler(alloc));
            p.addAfter("tls", "tcp", new TcpProxyHandler(slot, chain));
        } else if (chain.tcp() != null) {
            // TLS passthrough, or a TCPRoute's plain bytes
            p.addAfter(after, "tcp", new TcpProxyHandler(slot, chain));
        } else {
            ListenerSlot cs = slot.chainSlot(chain);
            if (ssl != null) {
                p.addAfter(after, "tls", ssl.newHandler(alloc));
                p.addAfter("tls", "detect", new ProtocolDetectHandler(cs));
            } else {
                p.addAfter(after, "detect", new ProtocolDetectHandler(cs));
            }
        }
    }
}
