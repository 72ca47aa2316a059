package io.sluice.web.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this server is the pair's active or a standby, as its supervisor last wrote it: the {@code ha} object of
 * {@code status.json} ({@code role}, {@code self}, {@code holder}, {@code epoch}), which the supervisor replaces
 * atomically every second from its {@code HaController}. Read afresh at every question (a file of a few hundred bytes,
 * asked on a change or a dashboard's poll), so a promotion is seen within a second without restarting the web. Any
 * thread.
 */
public final class PairStatus {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    /** @param file the supervisor's status.json; null for a server on its own */
    public PairStatus(Path file) {
        this.file = file;
    }

    /** A server on its own is always active; only a server in a pair can be a standby. */
    public boolean inPair() {
        return file != null;
    }

    /**
     * What the supervisor last wrote; empty for a server on its own, and for one in a pair while nothing is written yet
     * (the supervisor writes its first status after it started its roles) or the file cannot be read.
     */
    public Optional<Standing> read() {
        if (file == null) {
            return Optional.empty();
        }
        JsonNode ha;
        try {
            ha = JSON.readTree(file.toFile()).path("ha");
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!ha.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Standing(
                ha.path("role").asText(),
                ha.path("self").asText(),
                ha.path("holder").asText(),
                ha.path("epoch").asLong()));
    }

    /**
     * True when this server may change shared state: on its own always; in a pair only while its supervisor says it is
     * active. An unknown role (nothing written yet) counts as standby: every server in a pair starts as one.
     */
    public boolean acting() {
        return file == null || read().map(Standing::active).orElse(false);
    }

    /**
     * One reading of the pair's lease as this server sees it.
     *
     * @param role {@code active} or {@code standby}
     * @param self this server's advertised monitor address ({@code HOST:PORT}), the lease's name for it
     * @param holder the lease's holder as last read ({@code HOST:PORT} of the active's monitor; "" if none yet)
     * @param epoch the holder's fencing epoch
     */
    public record Standing(String role, String self, String holder, long epoch) {
        public boolean active() {
            return "active".equals(role);
        }

        /**
         * The active server's host, as people reach its dashboard: the holder's monitor address without the port (the
         * lease names servers by their monitors); null while no holder is known or this server thinks it holds the
         * lease itself.
         */
        public String activeHost() {
            if (holder.isEmpty() || holder.equals(self) && !active()) {
                return null;
            }
            return HostPort.problem(holder, 0) == null
                    ? HostPort.parseListen("holder", holder).host()
                    : holder;
        }
    }
}
