package io.sluice.protocol;

/**
 * A gateway's volumes as its {@link GatewaySession} sees them: what VOLUMES says of each, its statistics for STATS, its
 * capacity warnings for EVENT and the throttle that THROTTLE_SET sets. A volume is named by its position in VOLUMES (0
 * .. {@link #count()} - 1). Called on the session's thread only.
 */
public interface SessionVolumes {
    /** How many volumes VOLUMES lists (and HELLO announces). */
    int count();

    /** The volume id the gateway proposes in VOLUMES, before the monitor assigns one. */
    int proposedId(int position);

    /** VolumeDescriptor flags for VOLUMES and EVENT. */
    int flags(int position);

    /** The volume's size, as VOLUMES says it. */
    long sizeBytes(int position);

    /** Its backend's capacity, as a capacity warning's EVENT says it. */
    long capacityBytes(int position);

    long usedBytes(int position);

    /** The name VOLUMES and EVENT carry: at most {@link VolumeDescriptor#MAX_NAME_LENGTH} bytes of UTF-8. */
    String wireName(int position);

    /** The monitor assigned {@code volumeId} (VolumeIdsDescriptor.REFUSED: reported on no more). */
    void assigned(int position, int volumeId);

    /** A report or a round of capacity warnings is about to read the volumes: take their figures now. */
    void snapshot();

    /** Fills a STATS record with the counters since the last report sent (the record's volume id is set already). */
    void report(int position, VolumeStatsFlyweight record, int intervalMillis);

    /** The report went into the output: what it counted is the new baseline. */
    void reported();

    /**
     * Whether the volume's backend has just crossed its warning threshold (once per crossing). Asked for every volume
     * after each report and when the session opens, whether reported on or not, so an edge is not remembered late.
     */
    boolean takeCapacityWarning(int position);

    /** Applies one volume's parameters of a current THROTTLE_SET; the status acknowledged for it. */
    ThrottleAckStatus apply(int position, ThrottleParamsFlyweight params);

    /** The version of the parameters in force, acknowledged with every status. */
    long versionInForce(int position);
}
