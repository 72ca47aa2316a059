package io.sluice.gateway.link;

/**
 * What the monitor link publishes about itself: written by the link thread alone (its turns in {@link MonitorLink}, its
 * conversation in {@link MonitorConversation}), read from any thread through {@link #snapshot}, so every field is
 * volatile and each is written by one thread only.
 */
final class PublishedLinkStatus {
    volatile LinkState state = LinkState.CONNECTING;
    volatile String lastError;
    /** The monitor dialled last, as HOST:PORT. */
    volatile String monitor;

    volatile long sessions;
    volatile long connectFailures;
    volatile long reportSequence;
    volatile long throttleSetsAcked;
    volatile long heartbeatsSent;
    volatile long eventsSent;
    volatile long standbyReferrals;
    volatile long epoch;
    volatile long staleEpochRefusals;

    PublishedLinkStatus(String monitor) {
        this.monitor = monitor;
    }

    /** The fields as last published, with the count of volumes the link applied throttle sets to. */
    LinkStatus snapshot(long volumesApplied) {
        return new LinkStatus(
                state,
                sessions,
                connectFailures,
                reportSequence,
                throttleSetsAcked,
                volumesApplied,
                heartbeatsSent,
                eventsSent,
                lastError,
                monitor,
                standbyReferrals,
                epoch,
                staleEpochRefusals);
    }
}
