-- The volume ids (docs/design.md, "Volume ids in the database"), which were a file on the monitor's host
-- (monitor/volumes.identities): a volume's id is kept for good, so a server taking over must give a volume the id
-- the one before it gave. owner is the gateway id of a volume named on its gateway, or '*' for a volume its
-- gateways flag shared (one volume whatever gateway serves it). A name keeps its id and an id its name: of two
-- monitors assigning at once one row wins each (INSERT ... ON CONFLICT DO NOTHING on both keys) and the other
-- takes what the winner stored.
CREATE TABLE volume_identities (
    volume_id INTEGER PRIMARY KEY,
    owner VARCHAR(20) NOT NULL,
    name VARCHAR(64) NOT NULL,
    assigned_at BIGINT NOT NULL,
    CONSTRAINT volume_identities_key UNIQUE (owner, name)
);
