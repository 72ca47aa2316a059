package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Atomic and ordered access to a shared memory segment. Thin wrappers over var handles with exact coordinate types, so
 * the JIT turns each into one instruction.
 */
final class SharedMemory {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

    private final MemorySegment segment;

    SharedMemory(MemorySegment segment) {
        this.segment = segment;
    }

    MemorySegment segment() {
        return segment;
    }

    long getLong(long offset) {
        return segment.get(ValueLayout.JAVA_LONG, offset);
    }

    void putLong(long offset, long value) {
        segment.set(ValueLayout.JAVA_LONG, offset, value);
    }

    int getInt(long offset) {
        return segment.get(ValueLayout.JAVA_INT, offset);
    }

    void putInt(long offset, int value) {
        segment.set(ValueLayout.JAVA_INT, offset, value);
    }

    long getLongVolatile(long offset) {
        return (long) LONG.getVolatile(segment, offset);
    }

    void putLongVolatile(long offset, long value) {
        LONG.setVolatile(segment, offset, value);
    }

    void putLongRelease(long offset, long value) {
        LONG.setRelease(segment, offset, value);
    }

    boolean casLong(long offset, long expected, long value) {
        return LONG.compareAndSet(segment, offset, expected, value);
    }

    long getAndOrLong(long offset, long bits) {
        return (long) LONG.getAndBitwiseOr(segment, offset, bits);
    }

    long getAndAndLong(long offset, long bits) {
        return (long) LONG.getAndBitwiseAnd(segment, offset, bits);
    }

    long getAndAddLong(long offset, long delta) {
        return (long) LONG.getAndAdd(segment, offset, delta);
    }

    int getIntVolatile(long offset) {
        return (int) INT.getVolatile(segment, offset);
    }

    void putIntVolatile(long offset, int value) {
        INT.setVolatile(segment, offset, value);
    }

    void putIntRelease(long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    int getAndAddInt(long offset, int delta) {
        return (int) INT.getAndAdd(segment, offset, delta);
    }

    boolean casInt(long offset, int expected, int value) {
        return INT.compareAndSet(segment, offset, expected, value);
    }
}
