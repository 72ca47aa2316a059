/**
 * The shared-memory two-step mailbox (seed 003, Fig. 4-7): the only way Sluice's server processes
 * talk to each other. Start with {@link io.sluice.mailbox.MailboxDescriptor} for the file layout,
 * {@link io.sluice.mailbox.MailboxCaller} and {@link io.sluice.mailbox.MailboxCallee} for the two
 * steps, and CONCURRENCY.md in this module for who touches what.
 */
package io.sluice.mailbox;
