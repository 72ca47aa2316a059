package io.sluice.protocol;

/** EVENT's kind. */
public enum EventKind {
    /** The gateway started serving a volume after its VOLUMES. */
    NEW_VOLUME(1),
    /** The backend of a volume failed an I/O (or its health check). */
    BACKEND_ERROR(2),
    /** A volume's backend is filling up past the gateway's warning threshold. */
    CAPACITY_WARNING(3);

    private static final EventKind[] BY_CODE = {null, NEW_VOLUME, BACKEND_ERROR, CAPACITY_WARNING};

    private final int code;

    EventKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind with this code, or null when there is none. */
    public static EventKind fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
