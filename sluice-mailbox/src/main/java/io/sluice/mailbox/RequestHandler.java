package io.sluice.mailbox;

/** Handles a call taken by {@link MailboxCallee#poll}: it must reply, defer, or throw. */
@FunctionalInterface
public interface RequestHandler {
    void onRequest(MailboxCallee.Request request);
}
