-- Running nodes and their heartbeats: a node that stops beating is found dead within seconds
-- and the outbox leases it held (`outbox.claimed_by`) are released to the others.
CREATE TABLE nodes (
    key TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    shared_bus INTEGER NOT NULL,
    seen_at TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
CREATE INDEX outbox_claimed_by ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
