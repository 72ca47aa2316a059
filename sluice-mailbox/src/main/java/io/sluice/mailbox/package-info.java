/**
 * The shared-memory two-step mailbox: the only way Sluice's server processes talk to each other. Start with
 * docs/design.md ("The mailbox's two-step call") for how a call goes and how a crash is recovered,
 * {@link io.sluice.mailbox.MailboxDescriptor} for the file layout, {@link io.sluice.mailbox.MailboxCaller} and
 * {@link io.sluice.mailbox.MailboxCallee} for the two steps, and CONCURRENCY.md in this module for who touches what.
 */
package io.sluice.mailbox;
