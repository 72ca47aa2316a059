package io.sluice.mailbox;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A callee in its own JVM: attaches to the mailbox, prints READY, serves {@link TestOpcodes} until killed. Its own loop
 * (rather than {@link MailboxService}) also answers revoked HANG calls it holds.
 */
public final class CalleeProcess {
    public static void main(String[] args) {
        Mailbox mailbox = Mailbox.open(Path.of(args[0]));
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        while (true) {
            int work = callee.poll(TestOpcodes.HANDLER, 64);
            callee.doHousekeeping();
            TestOpcodes.answerCancelledHolds(callee);
            if (work == 0) {
                callee.awaitRequests(TimeUnit.MILLISECONDS.toNanos(TestOpcodes.HELD.isEmpty() ? 100 : 5));
            }
        }
    }
}
