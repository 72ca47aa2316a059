package io.sluice.services.daemon;

import io.sluice.common.EpochClock;
import io.sluice.services.capacity.CapacityWatch;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.control.ManualThrottles;
import io.sluice.services.control.PerformanceAnalyzer;
import io.sluice.services.control.PolicyRules;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumeTracker;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.stats.RecentStats;
import java.util.function.IntToLongFunction;

/**
 * The parts of the SLA services one loop thread owns, handed to whoever answers questions about them
 * ({@link ServicesQueries}) so they need not reach into the daemon.
 *
 * @param sentLimit the IOPS limit last sent to the gateways for a volume, summed (0 = none)
 * @param capacity the capacity forecasts per backend and their severities
 * @param db the database forwarder; null when forwarding is off
 * @param throttles the parameter sets on their way to the monitor
 * @param tracker the volumes the services keep state for
 * @param manual operators' throttles in force, which the analyzer sends as they are
 * @param polls the sweeps asked of the monitor at the start of each interval
 */
record ServicesState(
        EpochClock clock,
        Inventory inventory,
        PolicyBook book,
        PolicyRules rules,
        PerformanceAnalyzer analyzer,
        ComplianceJudge judge,
        RecentStats recent,
        DiscoveredGateways gateways,
        CapacityWatch capacity,
        IntToLongFunction sentLimit,
        DbForwarder db,
        ThrottleOutbox throttles,
        VolumeTracker tracker,
        ManualThrottles manual,
        PollDriver polls) {}
