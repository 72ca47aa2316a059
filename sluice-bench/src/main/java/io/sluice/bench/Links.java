package io.sluice.bench;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ReplyHandler;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/** The three transports' caller sides. Every request and reply is {@link #MESSAGE} bytes, copied in and out. */
final class Links {
    static final int MESSAGE = 64;

    private Links() {}

    enum Wait {
        /** Busy-poll until the reply is there. */
        SPIN,
        /** Poll for a short while, then sleep until woken. */
        ADAPTIVE,
        /** Sleep until woken at once. */
        SLEEP
    }

    static final class MailboxLink implements Link {
        private static final long ADAPTIVE_SPIN_NANOS = 20_000;
        private final Mailbox mailbox;
        private final MailboxCaller caller;
        private final Wait wait;
        private final MemorySegment request = Arena.ofAuto().allocate(MESSAGE);
        private final MemorySegment reply = Arena.ofAuto().allocate(MESSAGE);
        private final ParamWriter writer = region -> {
            MemorySegment.copy(request, 0, region, 0, MESSAGE);
            return MESSAGE;
        };
        private final ReplyHandler handler = view -> MemorySegment.copy(view.result(), 0, reply, 0, MESSAGE);
        private long sequence;

        MailboxLink(Mailbox mailbox, int callerIndex, Wait wait) {
            this.mailbox = mailbox;
            this.caller = MailboxCaller.attach(mailbox, callerIndex);
            this.wait = wait;
        }

        /**
         * With a sleeping callee, waits until the callee has registered to sleep: otherwise the next call may find it
         * still awake after the last reply, and how often it does depends on how fast the callee's code runs (in a
         * short run, before the JIT compiled it, nearly always), so the row would time a callee that polls. Bounded:
         * after 10 ms the call goes ahead anyway.
         */
        @Override
        public void awaitPeerIdle() {
            if (wait != Wait.SLEEP) {
                return;
            }
            long deadline = System.nanoTime() + 10_000_000L;
            while (mailbox.calleesWaiting() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }

        @Override
        public boolean send() {
            return caller.call(1, 0, ++sequence, writer) > 0;
        }

        @Override
        public int awaitReplies() {
            long spinUntil = wait == Wait.ADAPTIVE ? System.nanoTime() + ADAPTIVE_SPIN_NANOS : 0;
            while (true) {
                int n = caller.pollReplies(handler, 64);
                if (n > 0) {
                    return n;
                }
                if (wait == Wait.SPIN || (wait == Wait.ADAPTIVE && System.nanoTime() < spinUntil)) {
                    Thread.onSpinWait();
                } else {
                    caller.awaitReplies(1_000_000_000L);
                }
            }
        }

        @Override
        public void close() {
            caller.close();
        }
    }

    static final class UdsLink implements Link {
        private final SocketChannel channel;
        private final ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE);
        private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);

        UdsLink(Path path) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(path));
        }

        @Override
        public boolean send() throws IOException {
            out.clear();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return true;
        }

        @Override
        public int awaitReplies() throws IOException {
            // Blocking read until at least one whole reply is in; keep any partial reply for next time.
            while (in.position() < MESSAGE) {
                if (channel.read(in) < 0) {
                    throw new EOFException("echo server closed the socket");
                }
            }
            int replies = in.position() / MESSAGE;
            in.flip();
            in.position(replies * MESSAGE);
            in.compact();
            return replies;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    static final class AgronaLink implements Link {
        private final RingBuffer requests;
        private final RingBuffer replies;
        private final Wait wait;
        private final IdleStrategy idle = AgronaRings.idleStrategy();
        private final UnsafeBuffer request = new UnsafeBuffer(new byte[MESSAGE]);
        private final UnsafeBuffer reply = new UnsafeBuffer(new byte[MESSAGE]);
        private final MessageHandler handler =
                (type, buffer, index, length) -> buffer.getBytes(index, reply, 0, length);

        AgronaLink(MappedByteBuffer mapped, int pair, int capacity, Wait wait) {
            int ringLength = AgronaRings.ringLength(capacity);
            this.requests = new OneToOneRingBuffer(new UnsafeBuffer(mapped, (2 * pair) * ringLength, ringLength));
            this.replies = new OneToOneRingBuffer(new UnsafeBuffer(mapped, (2 * pair + 1) * ringLength, ringLength));
            this.wait = wait;
        }

        @Override
        public boolean send() {
            return requests.write(1, request, 0, MESSAGE);
        }

        @Override
        public int awaitReplies() {
            idle.reset();
            while (true) {
                int n = replies.read(handler, 64);
                if (n > 0) {
                    return n;
                }
                if (wait == Wait.SPIN) {
                    Thread.onSpinWait();
                } else {
                    idle.idle();
                }
            }
        }

        @Override
        public void close() {}
    }
}
