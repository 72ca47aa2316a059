package io.sluice.gateway.link;

/**
 * What the monitor link is doing, for tests, logs and the stats file ({@code "monitor-link"}).
 *
 * @param state              see {@link LinkState}
 * @param sessions           sessions opened (AUTH_RESULT ACCEPTED) since the gateway started
 * @param connectFailures    connections that failed or broke, in all
 * @param reportsSent        STATS reports sent (the last report sequence)
 * @param throttleSetsAcked  THROTTLE_SETs acknowledged
 * @param volumesApplied     volume parameter sets put in force (status APPLIED)
 * @param heartbeatsSent     HEARTBEATs sent
 * @param eventsSent         EVENTs sent
 * @param lastError          why the last connection failed or ended, or null
 */
public record LinkStatus(LinkState state, long sessions, long connectFailures, long reportsSent, long throttleSetsAcked,
                         long volumesApplied, long heartbeatsSent, long eventsSent, String lastError) {
}
