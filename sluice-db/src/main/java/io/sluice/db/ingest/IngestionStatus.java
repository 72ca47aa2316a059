package io.sluice.db.ingest;

/** A snapshot of the ingestion path for {@code status}. */
public record IngestionStatus(
        boolean degraded, long bufferedSamples, long journaledSamples, long storedSamples, String lastError) {}
