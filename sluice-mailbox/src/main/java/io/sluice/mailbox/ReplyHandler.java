package io.sluice.mailbox;

/** Receives finished calls from {@link MailboxCaller#pollReplies}. */
@FunctionalInterface
public interface ReplyHandler {
    /** The view is valid only during this call. */
    void onReply(ReplyView reply);
}
