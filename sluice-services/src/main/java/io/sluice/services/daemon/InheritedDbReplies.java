package io.sluice.services.daemon;

import io.sluice.mailbox.ReplyView;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.util.function.Consumer;

/**
 * Replies to a predecessor's calls. A services process that died left its calls in the database manager's mailbox under
 * the same caller index; its successor inherits them when it attaches ({@link ReplyView#inherited()}) and collects
 * their replies so the slots are freed: a sample batch stored is counted ({@link #stored}) and raises the forwarder's
 * last stored batch id; a batch refused is counted lost ({@link #lost}) and said, since its bytes died with the
 * predecessor (the slot holds the reply now); a JSON call's reply (a registration, a verdict, a load page) is released
 * and counted ({@link #calls}): whoever wanted its result is gone, and this process loads and registers afresh at
 * attach. Inherited replies never reach this process's own calls, whose correlation ids may repeat the predecessor's.
 *
 * <p>The services' loop thread counts; the status reads the volatile counters.
 */
final class InheritedDbReplies {
    private volatile long stored;
    private volatile long lost;
    private volatile long calls;

    /** Counts an inherited reply; returns the id of the sample batch it says was stored, else 0. */
    long onReply(ReplyView reply, Consumer<String> problems) {
        if (reply.opcode() != MailboxOpcodes.DB_APPEND_SAMPLES) {
            calls++;
        } else if (reply.status() == CallStatus.OK) {
            stored++;
            return reply.correlationId();
        } else {
            lost++;
            problems.accept("sample batch " + reply.correlationId() + " of the previous services process: "
                    + DbForwarder.statusName(reply.status()) + "; its samples went with that process");
        }
        return 0;
    }

    /** Sample batches a predecessor posted that the database manager stored after it died. */
    long stored() {
        return stored;
    }

    /** Sample batches a predecessor posted that the database manager refused after it died. */
    long lost() {
        return lost;
    }

    /** JSON calls of a predecessor whose replies were collected and released. */
    long calls() {
        return calls;
    }
}
