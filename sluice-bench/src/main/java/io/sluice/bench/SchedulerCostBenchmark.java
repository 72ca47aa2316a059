package io.sluice.bench;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.export.BackendGroup;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.qos.NanoClock;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.gateway.qos.QosScheduler;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the CPU cost of one I/O through the gateway's QoS scheduler and its accounting (submit, the token and tag
 * arithmetic, take), with a limit set high enough never to hold the request, so what is measured is the bookkeeping
 * every I/O pays.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulerCostBenchmark {
    private QosScheduler scheduler;
    private Export export;
    private IoRequest request;
    private long handle;

    @Setup
    public void setUp() {
        scheduler = new QosScheduler(new BackendLimits("bench", 1e12, 64), 64, NanoClock.system());
        export = new Export("bench", 0, new NoBackend(), false, new BackendGroup("bench", scheduler, 64));
        scheduler.register(export, QosParameters.iopsLimit(1e12).withIoSize(4096));
        request = new IoRequest(r -> {});
    }

    @Benchmark
    public IoRequest submitAndTake() throws InterruptedException {
        request.set(export, ++handle, 0, 0, 0, 4096, System.nanoTime());
        scheduler.submit(request);
        return scheduler.tryNext();
    }

    /** A backend the benchmark never reaches: requests are taken from the scheduler, not dispatched. */
    static final class NoBackend implements Backend {
        public long size() {
            return 1L << 30;
        }

        public boolean readOnly() {
            return false;
        }

        public int minimumBlockSize() {
            return 1;
        }

        public int preferredBlockSize() {
            return 4096;
        }

        public int maximumBlockSize() {
            return 1 << 25;
        }

        public int read(long offset, ByteBuffer dst) {
            return 0;
        }

        public int write(long offset, ByteBuffer src, boolean fua) {
            return 0;
        }

        public int flush() {
            return 0;
        }

        public int trim(long offset, long length, boolean fua) {
            return 0;
        }

        public int writeZeroes(long offset, long length, boolean fua, boolean noHole, boolean fastOnly) {
            return 0;
        }

        public Space space() {
            return new Space(size(), 0);
        }

        public String describe() {
            return "none";
        }

        public void close() {}
    }
}
