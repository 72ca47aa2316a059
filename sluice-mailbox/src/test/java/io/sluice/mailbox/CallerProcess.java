package io.sluice.mailbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A caller in its own JVM: attaches as caller index args[1], posts args[2] REVERSE calls with correlation ids 1..n and
 * payload "call-ID", prints POSTED, then waits to be killed without ever reading a reply. Prints REFUSED and the
 * holder's pid instead when a live process holds the index.
 */
public final class CallerProcess {
    public static void main(String[] args) throws Exception {
        Mailbox mailbox = Mailbox.open(Path.of(args[0]));
        MailboxCaller caller;
        try {
            caller = MailboxCaller.attach(mailbox, Integer.parseInt(args[1]));
        } catch (CallerEntryException e) {
            System.out.println("REFUSED " + e.holderPid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
            return;
        }
        int n = Integer.parseInt(args[2]);
        for (int i = 1; i <= n; i++) {
            long handle = caller.call(TestOpcodes.REVERSE, 0, i, ("call-" + i).getBytes(StandardCharsets.UTF_8));
            if (handle < 0) {
                System.out.println("FAILED " + MailboxStatus.name((int) handle));
                System.exit(1);
            }
        }
        System.out.println("POSTED " + n);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
