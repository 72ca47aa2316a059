package io.sluice.server.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a real gateway's stats file says, read as a system test polls it: missing or half-written reads as "none". */
final class GatewayStatsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GatewayStatsFile() {}

    /** The version of the throttle set in force on the gateway's first volume; -1 while the file cannot be read. */
    static long qosVersion(Path stats) {
        try {
            return JSON.readTree(stats.toFile())
                    .path("volumes")
                    .path(0)
                    .path("qos-version")
                    .asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The file's text for a failure message; "" while it does not exist. */
    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
