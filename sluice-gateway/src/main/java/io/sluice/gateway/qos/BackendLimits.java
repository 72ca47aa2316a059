package io.sluice.gateway.qos;

/**
 * What the exports sharing one backend share: {@code iops} is the backend's modelled capacity in normalized I/Os per
 * second (0 = not modelled), which the tag scheduler divides by reservations and weights; {@code queueDepth} is how
 * many requests may be at the backend at once, which is also the number of dispatcher threads serving it.
 */
public record BackendLimits(String name, double iops, int queueDepth) {
    public BackendLimits {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a backend needs a name");
        }
        if (!(iops >= 0) || Double.isInfinite(iops)) {
            throw new IllegalArgumentException("backend '" + name + "' iops must be >= 0: " + iops);
        }
        if (queueDepth < 1 || queueDepth > 1024) {
            throw new IllegalArgumentException("backend '" + name + "' queueDepth must be 1..1024: " + queueDepth);
        }
    }
}
