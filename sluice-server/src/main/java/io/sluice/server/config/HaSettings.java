package io.sluice.server.config;

import io.sluice.db.lease.LeaseSettings;

/**
 * A server in a pair (the {@code ha} section): what it advertises as the lease's holder and how it holds the lease.
 * Null in {@link ServerSettings} for a server on its own, which runs exactly as without high availability.
 *
 * @param advertise this server's monitor address as gateways dial it ({@code HOST:PORT}), also the lease's holder
 * @param lease the lease's timing, with {@code advertise} as its holder
 */
public record HaSettings(String advertise, LeaseSettings lease) {
    public HaSettings {
        if (!lease.holder().equals(advertise)) {
            throw new IllegalArgumentException("the lease's holder is the advertised address");
        }
    }
}
