package io.sluice.gateway.link;

/**
 * What the monitor link is doing, for tests, logs and the stats file ({@code "monitor-link"}).
 *
 * @param state see {@link LinkState}
 * @param sessions sessions opened (AUTH_RESULT ACCEPTED) since the gateway started
 * @param connectFailures connections that failed or broke, in all
 * @param reportsSent STATS reports sent (the last report sequence)
 * @param throttleSetsAcked THROTTLE_SETs acknowledged
 * @param volumesApplied volume parameter sets put in force (status APPLIED)
 * @param heartbeatsSent HEARTBEATs sent
 * @param eventsSent EVENTs sent
 * @param lastError why the last connection failed or ended, or null
 * @param monitor the monitor dialled last ({@code HOST:PORT}): in session with it, or trying it
 * @param standbyReferrals STANDBY answers received: a standby monitor named the active (or none known)
 * @param epoch the newest fencing epoch seen (0 before any, and from servers not in a pair)
 * @param staleEpochRefusals sessions left and THROTTLE_SETs refused (acknowledged STALE_EPOCH, nothing changed) because
 *     they came from an older epoch: from a server that lost its lease
 */
public record LinkStatus(
        LinkState state,
        long sessions,
        long connectFailures,
        long reportsSent,
        long throttleSetsAcked,
        long volumesApplied,
        long heartbeatsSent,
        long eventsSent,
        String lastError,
        String monitor,
        long standbyReferrals,
        long epoch,
        long staleEpochRefusals) {}
