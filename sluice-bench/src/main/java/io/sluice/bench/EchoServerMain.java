package io.sluice.bench;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The callee side of the mailbox benchmark, one transport per process: echoes every request back.
 *
 * <pre>
 *   mailbox FILE SPIN_NANOS     a Sluice mailbox callee
 *   uds PATH                    a Unix-domain stream socket server, one thread per connection
 *   agrona FILE PAIRS CAPACITY  PAIRS request/reply OneToOneRingBuffer pairs in one mapped file
 * </pre>
 */
public final class EchoServerMain {
    /** The mailbox callee's thread, whose kernel sleeps the benchmark counts (at most 15 characters: /proc's comm). */
    static final String MAILBOX_THREAD = "echo-callee";

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "mailbox" -> mailbox(Path.of(args[1]), Long.parseLong(args[2]));
            case "uds" -> uds(Path.of(args[1]));
            case "agrona" -> agrona(new File(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown transport " + args[0]);
        }
    }

    private static void ready() {
        System.out.println("READY");
        System.out.flush();
    }

    private static void mailbox(Path file, long spinNanos) throws InterruptedException {
        Mailbox mailbox = Mailbox.open(file);
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        // Zero-copy echo: the result is the parameters, already in the slot.
        MailboxService service = new MailboxService(
                        callee, r -> r.reply(MailboxStatus.OK, r.length()), spinNanos, MAILBOX_THREAD)
                .start();
        ready();
        while (service.isRunning()) {
            Thread.sleep(1_000);
        }
    }

    private static void uds(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ready();
        while (true) {
            SocketChannel channel = server.accept();
            Thread.ofPlatform().daemon(true).start(() -> echo(channel));
        }
    }

    private static void echo(SocketChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        try (channel) {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // the benchmark closed the connection
        }
    }

    private static void agrona(File file, int pairs, int capacity) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "agrona-rings");
        RingBuffer[] requests = new RingBuffer[pairs];
        RingBuffer[] replies = new RingBuffer[pairs];
        int ringLength = AgronaRings.ringLength(capacity);
        for (int i = 0; i < pairs; i++) {
            requests[i] = new OneToOneRingBuffer(new UnsafeBuffer(mapped, (2 * i) * ringLength, ringLength));
            replies[i] = new OneToOneRingBuffer(new UnsafeBuffer(mapped, (2 * i + 1) * ringLength, ringLength));
        }
        ready();
        MessageHandler[] echoes = new MessageHandler[pairs];
        for (int i = 0; i < pairs; i++) {
            RingBuffer reply = replies[i];
            echoes[i] = (type, buffer, index, length) -> {
                while (!reply.write(type, buffer, index, length)) {
                    Thread.onSpinWait();
                }
            };
        }
        IdleStrategy idle = AgronaRings.idleStrategy();
        while (true) {
            int work = 0;
            for (int i = 0; i < pairs; i++) {
                work += requests[i].read(echoes[i], 64);
            }
            idle.idle(work);
        }
    }
}
