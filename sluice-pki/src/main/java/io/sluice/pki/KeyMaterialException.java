package io.sluice.pki;

import java.io.IOException;
import java.nio.file.Path;

/** A certificate, key or request that cannot be used: unreadable, of the wrong kind, forged or expired. */
public final class KeyMaterialException extends IOException {
    public KeyMaterialException(String message) {
        super(message);
    }

    public KeyMaterialException(Path file, String reason) {
        super(file + ": " + reason);
    }

    public KeyMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
