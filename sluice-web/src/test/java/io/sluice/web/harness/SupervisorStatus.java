package io.sluice.web.harness;

import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** Writes status.json as a pair's supervisor does (its {@code ha} object), for the web's {@code --pair-status}. */
public final class SupervisorStatus {
    private final Path file;
    private final String self;

    /** @param self this server's advertised monitor address, the lease's name for it */
    public SupervisorStatus(Path file, String self) {
        this.file = file;
        this.self = self;
    }

    public Path file() {
        return file;
    }

    /** The supervisor's next write: this server's {@code role} ("active", "standby"), the lease's holder and epoch. */
    public void write(String role, String holder, long epoch) {
        try {
            PrivateFiles.writeSecret(
                    file,
                    ("{\"supervisorPid\": 1, \"roles\": [], \"ha\": {\"role\": \"" + role + "\", \"self\": \"" + self
                                    + "\", \"holder\": \"" + holder + "\", \"epoch\": " + epoch
                                    + ", \"leaseState\": \"" + role.toUpperCase(Locale.ROOT) + "\"}}")
                            .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
