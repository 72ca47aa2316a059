-- Volumes and gateways known by name. A volume's name is what people read and SLA scopes may use:
-- "<gateway name>/<export name>", or the export name alone for a volume several gateways serve
-- (shared). Null until the monitor has announced the volume; the id stays the key.

ALTER TABLE volumes ADD COLUMN name VARCHAR(330);
ALTER TABLE volumes ADD COLUMN export_name VARCHAR(64);
ALTER TABLE volumes ADD COLUMN gateway_name VARCHAR(255);
ALTER TABLE volumes ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE gateways ADD COLUMN name VARCHAR(255);
CREATE INDEX volumes_by_name ON volumes (name);
