package io.sluice.services.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The manual throttles in force, by volume: what operators set through the application server (stored by the database
 * manager, loaded at start, applied as they are made). The analyzer asks for a volume's each interval and, while there
 * is one, sends exactly it instead of its own parameters; one past its expiry is dropped at the first question after
 * it, and the volume is the analyzer's again.
 *
 * <p>Not thread-safe: the services' loop thread owns it, as it owns the analyzer.
 */
public final class ManualThrottles {
    private final Map<Integer, ManualThrottle> byVolume = new HashMap<>();

    /** Puts {@code throttle} in force for its volume, ending the one before it; ignored if already expired. */
    public void put(ManualThrottle throttle, long now) {
        if (throttle.inForce(now)) {
            byVolume.put(throttle.volumeId(), throttle);
        }
    }

    /** Ends the volume's throttle (only throttle {@code id}, unless 0); true when one was in force. */
    public boolean cancel(int volumeId, long id) {
        ManualThrottle current = byVolume.get(volumeId);
        if (current == null || id != 0 && current.id() != id) {
            return false;
        }
        byVolume.remove(volumeId);
        return true;
    }

    /** The volume's throttle in force at {@code now}, or null; one that expired is forgotten here. */
    public ManualThrottle inForce(int volumeId, long now) {
        ManualThrottle throttle = byVolume.get(volumeId);
        if (throttle == null) {
            return null;
        }
        if (!throttle.inForce(now)) {
            byVolume.remove(volumeId);
            return null;
        }
        return throttle;
    }

    /** Every throttle in force at {@code now}, expired ones forgotten. */
    public List<ManualThrottle> all(long now) {
        List<ManualThrottle> all = new ArrayList<>(byVolume.size());
        for (Iterator<ManualThrottle> it = byVolume.values().iterator(); it.hasNext(); ) {
            ManualThrottle throttle = it.next();
            if (throttle.inForce(now)) {
                all.add(throttle);
            } else {
                it.remove();
            }
        }
        all.sort((a, b) -> Integer.compare(a.volumeId(), b.volumeId()));
        return all;
    }

    public boolean isEmpty() {
        return byVolume.isEmpty();
    }
}
