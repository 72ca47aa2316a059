package io.sluice.bench.monitor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same monitor on Netty's NIO event loops (one per core): what a team would build with the best-known Java network
 * framework. Each channel's conversation lives on its event loop.
 */
final class NettySweepServer implements SweepServer {
    private static final AttributeKey<GatewayConversation> CONVERSATION = AttributeKey.valueOf("conversation");

    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers =
            new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), NioIoHandler.newFactory());
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final AtomicLong reports = new AtomicLong();
    private volatile CountDownLatch sweepDone;
    private volatile long sweepTarget = Long.MAX_VALUE;
    private final int port;
    private long pollSequence;

    NettySweepServer(byte[] secret) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(CONVERSATION).set(new GatewayConversation(secret));
                        channels.add(ch);
                        ch.closeFuture().addListener(f -> channels.remove(ch));
                        ch.pipeline().addLast(new Handler());
                    }
                });
        Channel server =
                bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final ByteBuffer out = ByteBuffer.allocate(4096);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            GatewayConversation conversation = ctx.channel().attr(CONVERSATION).get();
            try {
                ByteBuffer bytes = in.nioBuffer();
                while (bytes.hasRemaining()) {
                    conversation.decoder.feed(bytes);
                    out.clear();
                    int seen = conversation.onBytes(out);
                    if (out.position() > 0) {
                        out.flip();
                        ctx.write(Unpooled.copiedBuffer(out));
                    }
                    if (seen < 0) {
                        ctx.close();
                        return;
                    }
                    if (seen > 0 && reports.addAndGet(seen) >= sweepTarget) {
                        CountDownLatch done = sweepDone;
                        if (done != null) {
                            done.countDown();
                        }
                    }
                }
                ctx.flush();
            } finally {
                in.release();
            }
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int sessions() {
        return (int) channels.stream()
                .filter(c -> c.attr(CONVERSATION).get().inSession())
                .count();
    }

    @Override
    public long sweep() throws Exception {
        long start = System.nanoTime();
        long target = reports.get();
        long sequence = ++pollSequence;
        CountDownLatch done = new CountDownLatch(1);
        sweepDone = done;
        for (Channel ch : channels) {
            GatewayConversation conversation = ch.attr(CONVERSATION).get();
            if (conversation.inSession()) {
                target++;
                ch.eventLoop().execute(() -> {
                    ByteBuffer out = ByteBuffer.allocate(64);
                    conversation.writePoll(out, sequence);
                    out.flip();
                    ch.writeAndFlush(Unpooled.wrappedBuffer(out));
                });
            }
        }
        sweepTarget = target;
        boolean finished = reports.get() >= target || done.await(30, TimeUnit.SECONDS);
        sweepTarget = Long.MAX_VALUE;
        return finished ? System.nanoTime() - start : -1;
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
