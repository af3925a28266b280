package dev.lattice.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * The tls_inspector and filter chain match of a listener with several chains: peeks the ClientHello's SNI without
 * consuming it (a connection that is not TLS has no SNI), chooses the chain ({@link FilterChainSelector}) from the
 * listener's current table and replaces itself with that chain's pipeline: TLS termination then HTTP, plain HTTP,
 * a TCP relay of the TLS bytes ({@link TcpProxyHandler}), or TLS termination then a TCP relay of the plain bytes. No chain: the connection is closed. The connection keeps its chain.
 */
final class SniChainSelectorHandler extends AbstractSniHandler<CompiledChain> {
    private final ListenerSlot slot;
    private boolean direct;

    SniChainSelectorHandler(ListenerSlot slot) {
        super(10_000L);
        this.slot = slot;
    }

    @Override
    protected Future<CompiledChain> lookup(ChannelHandlerContext ctx, String hostname) {
        CompiledListener cur = slot.current;
        if (cur.chains == null) {
            direct = true; // the listener has become a single plain chain since this connection was accepted
            return ctx.executor().newSucceededFuture(null);
        }
        return ctx.executor().newSucceededFuture(cur.chainSelector.select(hostname));
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
        } else if (chain.tcp() != null && chain.ssl() != null) {
            // TLS ends here: the relay carries the decrypted stream (TLSRoute on a Terminate listener)
            p.addAfter(ctx.name(), "tls", chain.ssl().newHandler(ctx.alloc()));
            p.addAfter("tls", "tcp", new TcpProxyHandler(slot, chain));
        } else if (chain.tcp() != null) {
            p.addAfter(ctx.name(), "tcp", new TcpProxyHandler(slot, chain));
        } else {
            ListenerSlot cs = slot.chainSlot(chain);
            if (chain.ssl() != null) {
                p.addAfter(ctx.name(), "tls", chain.ssl().newHandler(ctx.alloc()));
                p.addAfter("tls", "detect", new ProtocolDetectHandler(cs));
            } else {
                p.addAfter(ctx.name(), "detect", new ProtocolDetectHandler(cs));
            }
        }
        p.remove(this);
    }
}
