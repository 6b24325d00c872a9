-- SQLite migration 0036 (running nodes' heartbeats, the outbox lease's owner), for PostgreSQL.

CREATE TABLE nodes (
    key TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    shared_bus BIGINT NOT NULL,
    seen_at TEXT COLLATE "C" NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
CREATE INDEX outbox_claimed_by ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
