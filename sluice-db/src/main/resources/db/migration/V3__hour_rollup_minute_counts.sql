-- Each hour row records how many minute rows it sums, so a summary at 1 min can answer whole rolled-up
-- hours from samples_1h (24 times fewer rows for a day) and still count the minute rows it covers.
-- Hours rolled up before this version count the minute rows still kept; where retention already
-- deleted them the count is unknown and left at 0.

ALTER TABLE samples_1h ADD COLUMN minutes INT;
UPDATE samples_1h SET minutes = (SELECT COUNT(*) FROM samples_1m m WHERE m.volume_id = samples_1h.volume_id
    AND m.direction = samples_1h.direction AND m.t >= samples_1h.t AND m.t < samples_1h.t + 3600000);
ALTER TABLE samples_1h ALTER COLUMN minutes SET NOT NULL;
