package io.sluice.mailbox;

import java.nio.file.Path;

/** A callee in its own JVM: attaches to the mailbox, prints READY, serves {@link TestOpcodes} until killed. */
public final class CalleeProcess {
    public static void main(String[] args) throws Exception {
        Mailbox mailbox = Mailbox.open(Path.of(args[0]));
        long spin = args.length > 1 ? Long.parseLong(args[1]) : MailboxService.DEFAULT_SPIN_NANOS;
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        MailboxService service = new MailboxService(callee, TestOpcodes.HANDLER, spin, "test-callee").start();
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        while (service.isRunning()) {
            Thread.sleep(100);
        }
        System.err.println("callee loop stopped: " + service.failure());
        System.exit(1);
    }
}
