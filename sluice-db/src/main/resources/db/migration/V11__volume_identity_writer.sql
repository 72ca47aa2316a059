-- One row that every transaction giving volume ids updates first (VolumeIdentityRepository.takeTurn): its row lock
-- lets one such transaction at a time choose ids and check the caps, so two can never pick the same free id nor both
-- pass a cap. INSERT ... ON CONFLICT DO NOTHING alone was not enough on H2: under load two racing transactions were
-- each told they stored one id for two different names.
-- The row is made by the first transaction that needs it, so a fresh schema holds no rows (sluice db copy refuses a
-- target that does).
CREATE TABLE volume_identity_writer (
    id INTEGER PRIMARY KEY,
    turns BIGINT NOT NULL
);
