package io.sluice.drill;

import java.util.List;

/**
 * What a {@link FailoverDrill} saw.
 *
 * @param takeoverMillis per kill, the kill (-9 of the active's whole process tree) to the moment every gateway, the
 *     real one included, had acknowledged a throttle set of the new epoch
 * @param leaseMillis per kill, the kill to the new active's log line taking the lease
 * @param epochs the epoch after each kill
 * @param staleEpochSetsApplied throttle sets a gateway acknowledged (applied) from an older epoch than one it had
 *     acknowledged before
 * @param staleEpochRefusals sets and sessions the gateways refused as stale (a fenced server's; not applied)
 * @param samples the stored samples' audit
 * @param editsMade SLA edits made through the active's web API, one before each kill
 * @param editsLost of those, edits the new active's web API did not list after the takeover
 * @param fioRuns fio runs (write then crc32c verify) through the real gateway during the drill
 * @param fioWrittenBytes bytes they wrote
 * @param fioFailures fio runs that did not exit 0 or reported an error (verify errors included)
 * @param gatewayAlive the real gateway still ran at the end
 */
public record FailoverReport(
        List<Long> takeoverMillis,
        List<Long> leaseMillis,
        List<Long> epochs,
        long staleEpochSetsApplied,
        long staleEpochRefusals,
        SampleAudit samples,
        int editsMade,
        int editsLost,
        int fioRuns,
        long fioWrittenBytes,
        List<String> fioFailures,
        boolean gatewayAlive) {

    public int kills() {
        return takeoverMillis.size();
    }

    /** The median takeover (the lower middle of an even count), in ms. */
    public long takeoverP50Millis() {
        List<Long> sorted = takeoverMillis.stream().sorted().toList();
        return sorted.isEmpty() ? 0 : sorted.get((sorted.size() - 1) / 2);
    }

    public long takeoverMaxMillis() {
        return takeoverMillis.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    public long lostSamples() {
        return samples.lost();
    }

    public long duplicateSamples() {
        return samples.duplicates();
    }

    /** One line per kill, then the totals: for a log or a terminal. */
    public String table() {
        StringBuilder t = new StringBuilder("| kill | epoch | lease taken | control resumed |\n|---|---|---|---|\n");
        for (int i = 0; i < kills(); i++) {
            t.append("| %d | %d | %.1f s | %.1f s |%n"
                    .formatted(i + 1, epochs.get(i), leaseMillis.get(i) / 1_000.0, takeoverMillis.get(i) / 1_000.0));
        }
        t.append(String.format(
                "takeover p50 %.1f s, max %.1f s; lost samples %d (reports lost in a takeover: %d, of %d windows"
                        + " in %d series); stored twice %d; stale-epoch sets applied %d (refused %d); edits lost %d of"
                        + " %d; fio runs %d (%d MiB written and verified), failed %d; gateway alive %s",
                takeoverP50Millis() / 1_000.0,
                takeoverMaxMillis() / 1_000.0,
                lostSamples(),
                samples.lostInTakeovers(),
                samples.windows(),
                samples.series(),
                duplicateSamples(),
                staleEpochSetsApplied,
                staleEpochRefusals,
                editsLost,
                editsMade,
                fioRuns,
                fioWrittenBytes >> 20,
                fioFailures.size(),
                gatewayAlive));
        return t.toString();
    }
}
