/**
 * Statistics per volume and direction, recorded on the data path without locks or allocation (atomics and HdrHistogram
 * recorders) and read as immutable snapshots ({@link io.sluice.gateway.stats.VolumeStats}) by the stats file and the
 * monitor link.
 */
package io.sluice.gateway.stats;
