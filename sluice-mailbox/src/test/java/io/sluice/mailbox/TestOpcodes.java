package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Operation codes of the test callee, and its handler. */
final class TestOpcodes {
    /** Reply with the parameters unchanged. */
    static final int ECHO = 1;
    /** Reply with the bytes reversed: proves the callee, not the caller's own bytes, made the result. */
    static final int REVERSE = 2;
    /** Never reply; wait for cancellation (and then reply CANCELLED), or hang until killed. */
    static final int HANG = 3;
    /** Throw from the handler. */
    static final int FAIL = 4;

    private TestOpcodes() {
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
                System.out.println("TAKEN " + request.correlationId());
                System.out.flush();
                while (!request.isCancelRequested()) {
                    Thread.onSpinWait();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                request.reply(MailboxStatus.CANCELLED, 0);
            }
            case FAIL -> throw new IllegalStateException("asked to fail");
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    };
}
