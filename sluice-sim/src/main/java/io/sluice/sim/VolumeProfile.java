package io.sluice.sim;

/**
 * The range each simulated volume's workload and storage is drawn from; every volume draws its own values once, from
 * the simulator's seed, its gateway id and its volume id.
 *
 * @param minIops lowest demand, I/Os per second
 * @param maxIops highest demand, I/Os per second
 * @param minReadFraction share of reads in the demand, lowest
 * @param maxReadFraction share of reads in the demand, highest
 * @param blockSizes the I/O sizes a volume may have, bytes; one is drawn per volume
 * @param capacityBytes backend capacity of each volume
 * @param minUsedFraction backend usage at start, lowest, as a fraction of capacity
 * @param maxUsedFraction backend usage at start, highest
 * @param newDataFraction share of written bytes that grows the backend (the rest overwrites)
 * @param warningFraction usage at which the gateway sends EVENT CAPACITY_WARNING
 */
public record VolumeProfile(
        int minIops,
        int maxIops,
        double minReadFraction,
        double maxReadFraction,
        int[] blockSizes,
        long capacityBytes,
        double minUsedFraction,
        double maxUsedFraction,
        double newDataFraction,
        double warningFraction) {
    public static final VolumeProfile DEFAULTS = new VolumeProfile(
            200, 5_000, 0.5, 0.9, new int[] {4096, 8192, 16384, 65536}, 100L << 30, 0.2, 0.8, 0.05, 0.9);

    public VolumeProfile {
        if (minIops < 0 || maxIops < minIops) {
            throw new IllegalArgumentException("IOPS range must be 0 <= min <= max: " + minIops + ".." + maxIops);
        }
        if (!(0 <= minReadFraction && minReadFraction <= maxReadFraction && maxReadFraction <= 1)) {
            throw new IllegalArgumentException("read fraction range must be within 0..1");
        }
        if (blockSizes.length == 0) {
            throw new IllegalArgumentException("at least one block size is needed");
        }
        for (int size : blockSizes) {
            if (size < 512) {
                throw new IllegalArgumentException("block sizes must be at least 512 bytes: " + size);
            }
        }
        blockSizes = blockSizes.clone();
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacityBytes);
        }
        if (!(0 <= minUsedFraction && minUsedFraction <= maxUsedFraction && maxUsedFraction <= 1)) {
            throw new IllegalArgumentException("used fraction range must be within 0..1");
        }
        if (!(0 <= newDataFraction && newDataFraction <= 1) || !(0 < warningFraction && warningFraction <= 1)) {
            throw new IllegalArgumentException("new-data and warning fractions must be within 0..1");
        }
    }

    /** This profile with every volume's demand fixed at {@code iops}, a read share and a block size: for tests. */
    public VolumeProfile withDemand(int iops, double readFraction, int blockSize) {
        return new VolumeProfile(
                iops,
                iops,
                readFraction,
                readFraction,
                new int[] {blockSize},
                capacityBytes,
                minUsedFraction,
                maxUsedFraction,
                newDataFraction,
                warningFraction);
    }

    /** This profile with the backend usage at start fixed at {@code usedFraction} of capacity. */
    public VolumeProfile withUsed(double usedFraction) {
        return new VolumeProfile(
                minIops,
                maxIops,
                minReadFraction,
                maxReadFraction,
                blockSizes,
                capacityBytes,
                usedFraction,
                usedFraction,
                newDataFraction,
                warningFraction);
    }

    @Override
    public int[] blockSizes() {
        return blockSizes.clone();
    }
}
