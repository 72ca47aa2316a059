package io.sluice.web.auth;

import io.sluice.common.EpochClock;
import io.sluice.common.SourceAddresses;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exponential back-off after failed sign-ins, per (login, source address): after {@code freeFailures} failures in a row
 * the pair waits {@code baseMillis} before its next try, then twice as long after each further failure, up to
 * {@code maxMillis}. Keyed by the pair so that someone guessing {@code admin}'s password from one address slows down
 * only themselves: the real admin signing in from another address is never locked out. An address guessing many logins
 * is held back by the per-address limit next to this one.
 */
public final class LoginBackoff {
    private static final int MAX_KEYS = 100_000;

    private record Failures(int count, long last) {}

    private final EpochClock clock;
    private final int freeFailures;
    private final long baseMillis;
    private final long maxMillis;
    /** A pair with no failure for this long starts afresh. */
    private final long forgetMillis;

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    public LoginBackoff(EpochClock clock, int freeFailures, long baseMillis, long maxMillis, long forgetMillis) {
        if (freeFailures < 1
                || baseMillis < 1
                || baseMillis > 1L << 32
                || maxMillis < baseMillis
                || forgetMillis < maxMillis) {
            throw new IllegalArgumentException(
                    "need 1 <= free failures and 1 <= base <= 2^32 ms, base <= max <= forget");
        }
        this.clock = clock;
        this.freeFailures = freeFailures;
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
        this.forgetMillis = forgetMillis;
    }

    /** Milliseconds until {@code login} may try again from {@code address}; 0 when it may now. */
    public long retryAfterMillis(String login, String address) {
        Failures f = failures.get(key(login, address));
        long now = clock.epochMillis();
        if (f == null || f.count() < freeFailures || now - f.last() >= forgetMillis) {
            return 0;
        }
        return Math.max(0, f.last() + delay(f.count()) - now);
    }

    public void recordFailure(String login, String address) {
        long now = clock.epochMillis();
        failures.compute(
                key(login, address),
                (k, f) -> f == null || now - f.last() >= forgetMillis
                        ? new Failures(1, now)
                        : new Failures(f.count() + 1, now));
        if (failures.size() > MAX_KEYS) {
            // Bounded memory under a spray of logins and addresses: forget the pairs nothing recent holds back.
            failures.values().removeIf(f -> now - f.last() >= Math.min(forgetMillis, delay(f.count())));
        }
    }

    public void recordSuccess(String login, String address) {
        failures.remove(key(login, address));
    }

    private long delay(int count) {
        int doublings = count - freeFailures;
        return doublings < 0 ? 0 : Math.min(maxMillis, baseMillis << Math.min(doublings, 30));
    }

    private static String key(String login, String address) {
        return login + "\n" + address;
    }

    /**
     * The key of a client address for per-address limits ({@link SourceAddresses#partyOf}); an unparsable one as given.
     */
    public static String addressKey(String ip) {
        try {
            return SourceAddresses.partyOf(
                            InetAddress.ofLiteral(ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip))
                    .getHostAddress();
        } catch (IllegalArgumentException e) {
            return ip;
        }
    }
}
