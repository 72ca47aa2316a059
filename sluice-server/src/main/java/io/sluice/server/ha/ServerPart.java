package io.sluice.server.ha;

/** How the server's roles play their part in a pair; the supervisor does it ({@link SupervisedPart}). */
public interface ServerPart {
    /**
     * Stop acting at once: the monitor killed and started again as a standby naming {@code activeAddress} (none known
     * when null), the SLA services held stopped so nothing is controlled or stored from here.
     */
    void standby(String activeAddress) throws Exception;

    /** Act with the lease's fencing {@code epoch}: the services started, the monitor started again at that epoch. */
    void active(long epoch) throws Exception;
}
