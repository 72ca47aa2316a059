package io.sluice.gateway.qos;

import io.sluice.gateway.backend.Backend;
import java.nio.ByteBuffer;

/** A backend that is never called: the scheduler tests only look at the order of requests. */
final class NullBackend implements Backend {
    @Override
    public long size() {
        return 1L << 30;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public int minimumBlockSize() {
        return 1;
    }

    @Override
    public int preferredBlockSize() {
        return 4096;
    }

    @Override
    public int maximumBlockSize() {
        return 1 << 20;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        throw new AssertionError();
    }

    @Override
    public int write(long offset, ByteBuffer src, boolean fua) {
        throw new AssertionError();
    }

    @Override
    public int flush() {
        throw new AssertionError();
    }

    @Override
    public int trim(long offset, long length, boolean fua) {
        throw new AssertionError();
    }

    @Override
    public int writeZeroes(long offset, long length, boolean fua, boolean noHole, boolean fastOnly) {
        throw new AssertionError();
    }

    @Override
    public Space space() {
        return new Space(size(), -1);
    }

    @Override
    public String describe() {
        return "nothing";
    }

    @Override
    public void close() {}
}
