-- The lease that makes one of several servers sharing one PostgreSQL the active one (docs/design.md,
-- "High availability: the lease"). One row per lease, written only by LeaseKeeper: the holder's name
-- (what a standby tells gateways), the holding instance's token, the fencing epoch (one more on every
-- acquisition, never reused) and the expiry by the database's clock. H2 gets the table too so both
-- engines keep one schema, but a single-host embedded database cannot be shared and no keeper runs on it.

CREATE TABLE server_lease (
    name VARCHAR(64) PRIMARY KEY,
    holder VARCHAR(255) NOT NULL,
    token VARCHAR(64) NOT NULL,
    epoch BIGINT NOT NULL,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
