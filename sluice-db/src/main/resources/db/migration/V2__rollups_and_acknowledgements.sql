-- Rollups to 1 min and 1 h: sums, extremes and the summed latency histogram of each window, so that
-- percentiles of any range are computed from merged buckets, never averaged. Alerts gain acknowledgement.

CREATE TABLE samples_1m (
    volume_id INT NOT NULL,
    direction SMALLINT NOT NULL,
    t BIGINT NOT NULL,
    samples INT NOT NULL,
    ops BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    throttled_ops BIGINT NOT NULL,
    latency_sum BIGINT NOT NULL,
    min_ops BIGINT NOT NULL,
    max_ops BIGINT NOT NULL,
    iops_limit BIGINT NOT NULL,
    b0 BIGINT NOT NULL,
    b1 BIGINT NOT NULL,
    b2 BIGINT NOT NULL,
    b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL,
    b5 BIGINT NOT NULL,
    b6 BIGINT NOT NULL,
    b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL,
    b9 BIGINT NOT NULL,
    b10 BIGINT NOT NULL,
    b11 BIGINT NOT NULL,
    b12 BIGINT NOT NULL,
    b13 BIGINT NOT NULL,
    b14 BIGINT NOT NULL,
    b15 BIGINT NOT NULL,
    b16 BIGINT NOT NULL,
    b17 BIGINT NOT NULL,
    b18 BIGINT NOT NULL,
    b19 BIGINT NOT NULL,
    b20 BIGINT NOT NULL,
    b21 BIGINT NOT NULL,
    b22 BIGINT NOT NULL,
    b23 BIGINT NOT NULL,
    PRIMARY KEY (volume_id, direction, t)
);
CREATE INDEX samples_1m_t ON samples_1m (t);

CREATE TABLE samples_1h (
    volume_id INT NOT NULL,
    direction SMALLINT NOT NULL,
    t BIGINT NOT NULL,
    samples INT NOT NULL,
    ops BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    throttled_ops BIGINT NOT NULL,
    latency_sum BIGINT NOT NULL,
    min_ops BIGINT NOT NULL,
    max_ops BIGINT NOT NULL,
    iops_limit BIGINT NOT NULL,
    b0 BIGINT NOT NULL,
    b1 BIGINT NOT NULL,
    b2 BIGINT NOT NULL,
    b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL,
    b5 BIGINT NOT NULL,
    b6 BIGINT NOT NULL,
    b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL,
    b9 BIGINT NOT NULL,
    b10 BIGINT NOT NULL,
    b11 BIGINT NOT NULL,
    b12 BIGINT NOT NULL,
    b13 BIGINT NOT NULL,
    b14 BIGINT NOT NULL,
    b15 BIGINT NOT NULL,
    b16 BIGINT NOT NULL,
    b17 BIGINT NOT NULL,
    b18 BIGINT NOT NULL,
    b19 BIGINT NOT NULL,
    b20 BIGINT NOT NULL,
    b21 BIGINT NOT NULL,
    b22 BIGINT NOT NULL,
    b23 BIGINT NOT NULL,
    PRIMARY KEY (volume_id, direction, t)
);
CREATE INDEX samples_1h_t ON samples_1h (t);

-- How far each rollup has gone: windows before done_until are complete and never rewritten.
CREATE TABLE rollup_progress (
    resolution VARCHAR(8) PRIMARY KEY,
    done_until BIGINT NOT NULL
);

ALTER TABLE alerts ADD COLUMN acknowledged_by VARCHAR(200);
ALTER TABLE alerts ADD COLUMN acknowledged_at BIGINT;
