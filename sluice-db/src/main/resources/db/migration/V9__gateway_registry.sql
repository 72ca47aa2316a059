-- The monitor's gateway registry (docs/design.md, "The gateway registry in the database"), which was a file on
-- the monitor's host (monitor/gateways.registry): whichever server is active reads it at its start and writes
-- every change through the database manager, so a standby sharing the database takes over with the same
-- approvals, revocations and used enrollment tokens. Not the statistics' `gateways` table (RegistryRepository),
-- which says what the services saw.

-- An operator's (or an enrollment token's) decision on a gateway: APPROVED or REVOKED. Pending gateways are not
-- kept: they ask again.
CREATE TABLE gateway_standings (
    gateway_id BIGINT PRIMARY KEY,
    standing VARCHAR(16) NOT NULL,
    changed_at BIGINT NOT NULL
);

-- Single-use enrollment tokens by their SHA-256 (hex), never the token. A token is used by one conditional
-- UPDATE (used = FALSE in its WHERE), so of two monitors presenting it at once one wins; used_by is the gateway
-- it admitted (0 when imported from a file that did not say).
CREATE TABLE enrollment_tokens (
    token_hash CHAR(64) PRIMARY KEY,
    added_at BIGINT NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    used_by BIGINT,
    used_at BIGINT
);

-- An operator's binding of a shared volume name to a gateway (bound) or its removal (not bound), which wins over
-- the configuration's bindings.
CREATE TABLE shared_volume_bindings (
    name VARCHAR(64) NOT NULL,
    gateway_id BIGINT NOT NULL,
    bound BOOLEAN NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (name, gateway_id)
);

-- The last throttle parameters the SLA services sent per volume and gateway, with their version, so that a server
-- taking over (or the services restarting) resumes from them: the same limits while it measures afresh, and
-- versions above the last one the gateway applied whatever the new server's clock says. settings holds the set's
-- fields after volume id and version, in THROTTLE_SET order, as a JSON array of integers. A set replaces the stored
-- one only with a higher version.
CREATE TABLE throttle_sets (
    volume_id INTEGER NOT NULL,
    gateway_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    settings VARCHAR(1000) NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (volume_id, gateway_id)
);
