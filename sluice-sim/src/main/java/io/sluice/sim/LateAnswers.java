package io.sluice.sim;

/**
 * The polls a SLOW gateway answers late, oldest first, each with the time its answer is due. It keeps the newest
 * {@link #CAPACITY}: with a delay of a few poll intervals a few are outstanding, and a monitor polling much faster than
 * the delay loses the oldest. Allocated once per gateway; its loop's thread only.
 */
final class LateAnswers {
    static final int CAPACITY = 16;

    private final long[] polls = new long[CAPACITY];
    private final long[] due = new long[CAPACITY];
    private int head;
    private int count;

    /** Keeps {@code pollSequence} to answer at {@code dueMillis}, giving up the oldest if full. */
    void add(long pollSequence, long dueMillis) {
        if (count == CAPACITY) {
            head = (head + 1) % CAPACITY;
            count--;
        }
        int tail = (head + count) % CAPACITY;
        polls[tail] = pollSequence;
        due[tail] = dueMillis;
        count++;
    }

    /** When the oldest answer is due; {@link Long#MAX_VALUE} with none waiting. */
    long nextDue() {
        return count > 0 ? due[head] : Long.MAX_VALUE;
    }

    /** The oldest poll, taken out; only when one is waiting. */
    long take() {
        long poll = polls[head];
        head = (head + 1) % CAPACITY;
        count--;
        return poll;
    }

    void clear() {
        count = 0;
    }
}
