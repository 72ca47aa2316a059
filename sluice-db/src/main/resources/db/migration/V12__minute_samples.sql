-- Per-second history one row per volume and minute (the minute-rows layout): the minute's samples of
-- both directions in one binary column, laid out as MinuteSamplesDescriptor draws it. Part 0 is the
-- minute as written once its grace had passed; a later part holds samples that arrived after that,
-- each part written once (its rows are inserted with ON CONFLICT DO NOTHING, so a replay adds nothing).
CREATE TABLE minute_samples (
    volume_id INT NOT NULL,
    t BIGINT NOT NULL,
    part BIGINT NOT NULL,
    samples INT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (volume_id, t, part)
);
CREATE INDEX minute_samples_t ON minute_samples (t);
