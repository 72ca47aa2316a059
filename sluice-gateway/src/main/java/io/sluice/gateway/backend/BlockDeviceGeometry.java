package io.sluice.gateway.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What sysfs says about a block device that the file backend needs: its size and the logical block size its fallocate
 * calls must be aligned to (the kernel refuses an unaligned one with EINVAL). Read once at open; a partition's queue
 * limits are its disk's, one directory up.
 */
record BlockDeviceGeometry(long sizeBytes, int logicalBlockSize) {
    /** A safe alignment when sysfs does not say: every logical block size Linux has divides it. */
    static final int FALLBACK_BLOCK_SIZE = 4096;

    static BlockDeviceGeometry of(Path device) throws IOException {
        Path sys = Path.of("/sys/class/block", device.toRealPath().getFileName().toString())
                .toRealPath();
        // /sys/class/block/NAME/size counts 512-byte sectors whatever the device's block size.
        long size = Long.parseLong(Files.readString(sys.resolve("size")).trim()) * 512;
        return new BlockDeviceGeometry(size, logicalBlockSize(sys));
    }

    private static int logicalBlockSize(Path sys) {
        for (Path queue : new Path[] {sys.resolve("queue"), sys.getParent().resolve("queue")}) {
            try {
                int size = Integer.parseInt(
                        Files.readString(queue.resolve("logical_block_size")).trim());
                if (size > 0 && Integer.bitCount(size) == 1) {
                    return size;
                }
            } catch (IOException | NumberFormatException e) {
                // Not this directory (a partition has no queue of its own): try the next.
            }
        }
        return FALLBACK_BLOCK_SIZE;
    }

    long alignDown(long offset) {
        return offset & -(long) logicalBlockSize;
    }

    long alignUp(long offset) {
        return (offset + logicalBlockSize - 1) & -(long) logicalBlockSize;
    }
}
