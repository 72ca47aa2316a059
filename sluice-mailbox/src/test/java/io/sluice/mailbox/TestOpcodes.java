package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Operation codes of the test callee, and its handler. */
final class TestOpcodes {
    /** Reply with the parameters unchanged. */
    static final int ECHO = 1;
    /** Reply with the bytes reversed: proves the callee, not the caller's own bytes, made the result. */
    static final int REVERSE = 2;
    /** Never reply until cancelled (then reply CANCELLED): hangs until killed otherwise. */
    static final int HANG = 3;
    /** Throw from the handler. */
    static final int FAIL = 4;

    /** Handles of HANG calls this process holds. */
    static final List<Long> HELD = new CopyOnWriteArrayList<>();

    private TestOpcodes() {}

    /** Answers held HANG calls that someone has revoked. */
    static void answerCancelledHolds(MailboxCallee callee) {
        for (Long handle : HELD) {
            SlotInfo info = callee.mailbox().slotInfo(CallHandle.slotOf(handle));
            if ((info.flags() & SlotFlags.CANCEL_REQUESTED) != 0
                    && info.generation() == CallHandle.generationOf(handle)) {
                callee.complete(handle, MailboxStatus.CANCELLED, ParamWriter.EMPTY);
                HELD.remove(handle);
            }
        }
    }

    static final RequestHandler HANDLER = request -> {
        MemorySegment p = request.params();
        int n = request.length();
        switch (request.opcode()) {
            case ECHO -> request.reply(MailboxStatus.OK, n);
            case REVERSE -> {
                for (int i = 0, j = n - 1; i < j; i++, j--) {
                    byte a = p.get(ValueLayout.JAVA_BYTE, i);
                    p.set(ValueLayout.JAVA_BYTE, i, p.get(ValueLayout.JAVA_BYTE, j));
                    p.set(ValueLayout.JAVA_BYTE, j, a);
                }
                request.reply(MailboxStatus.OK, n);
            }
            case HANG -> {
                // Held (taken, unanswered) until cancelled; the callee loop answers it then.
                System.out.println("TAKEN " + request.correlationId());
                System.out.flush();
                HELD.add(request.defer());
            }
            case FAIL -> throw new IllegalStateException("asked to fail");
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    };
}
