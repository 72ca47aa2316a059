-- One row per alert key, locked by each alert upsert so that writers of one key take turns. Until a
-- key has an open alert there is no alerts row to lock, and two raises at once would each open one;
-- one open alert per key cannot be a constraint, as H2 has no partial unique index.

CREATE TABLE alert_keys (
    alert_key VARCHAR(200) PRIMARY KEY
);
