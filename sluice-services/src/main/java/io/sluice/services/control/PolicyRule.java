package io.sluice.services.control;

import io.sluice.services.sla.PriorityClass;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;

/** A rule beyond single SLAs, held by {@link PolicyRules}. */
public sealed interface PolicyRule permits PolicyRule.TimeWindow, PolicyRule.OnViolation {
    String name();

    /**
     * While the clock is inside the window (on one of {@code days}, from {@code start} to {@code end} in {@code zone};
     * a window whose end is not after its start runs past midnight into the next day), the IOPS limits of the volumes
     * of class {@code appliesTo} are multiplied by {@code iopsLimitFactor}: a nightly backup window lets background
     * volumes run faster.
     */
    record TimeWindow(
            String name,
            Set<DayOfWeek> days,
            LocalTime start,
            LocalTime end,
            ZoneId zone,
            PriorityClass appliesTo,
            double iopsLimitFactor)
            implements PolicyRule {
        public TimeWindow {
            days = Set.copyOf(days);
            if (!(iopsLimitFactor > 0) || Double.isInfinite(iopsLimitFactor)) {
                throw new IllegalArgumentException("the limit factor must be a positive number");
            }
        }

        public boolean activeAt(long epochMillis) {
            ZonedDateTime at = Instant.ofEpochMilli(epochMillis).atZone(zone);
            LocalTime time = at.toLocalTime();
            if (start.isBefore(end)) {
                return days.contains(at.getDayOfWeek()) && !time.isBefore(start) && time.isBefore(end);
            }
            // Past midnight: the window opened on a listed day, today after start or yesterday before end.
            return days.contains(at.getDayOfWeek()) && !time.isBefore(start)
                    || days.contains(at.getDayOfWeek().minus(1)) && time.isBefore(end);
        }
    }

    /**
     * When the SLA {@code sla} missed in at least {@code after} of its last {@code window} intervals (any dimension,
     * any of its volumes): {@code throttleLowerClasses} holds the volumes of classes below the SLA's back, never below
     * their reservations, until it recovers; {@code alert} raises an alert.
     */
    record OnViolation(String name, String sla, int after, int window, boolean throttleLowerClasses, boolean alert)
            implements PolicyRule {
        public OnViolation {
            if (after < 1 || after > window) {
                throw new IllegalArgumentException("needs 1 <= after <= window");
            }
        }
    }
}
