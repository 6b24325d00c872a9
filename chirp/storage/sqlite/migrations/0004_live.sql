-- Live video (a Chirp extension): streams, stream keys, player heartbeats, chat and chat bans.
-- The video itself lives in the blob store (chirp/streaming); these rows are the social side.

CREATE TABLE live_streams (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    state TEXT NOT NULL CHECK (state IN ('created', 'live', 'ended')),
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    viewers_count INTEGER NOT NULL DEFAULT 0
);
-- Listing what is live now (global and followed accounts), and a publisher's stream.
CREATE INDEX live_streams_live ON live_streams(id) WHERE state = 'live';
CREATE INDEX live_streams_by_account ON live_streams(account_id, state, id);

-- One key per account; only its SHA-256 digest.
CREATE TABLE stream_keys (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Player heartbeats: the last time each viewer (a per-page-load id) was seen, in Unix ms.
CREATE TABLE live_viewers (
    stream_id INTEGER NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    viewer TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    PRIMARY KEY (stream_id, viewer)
) WITHOUT ROWID;
CREATE INDEX live_viewers_seen ON live_viewers(stream_id, seen_ms);

-- Chat. Deleted messages are hidden, not removed: they still count towards the rate limit.
CREATE TABLE live_chat (
    id INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX live_chat_by_stream ON live_chat(stream_id, id);
CREATE INDEX live_chat_by_author ON live_chat(stream_id, account_id, id);

-- A streamer's chat bans hold for all their streams.
CREATE TABLE live_chat_bans (
    streamer_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (streamer_id, account_id)
) WITHOUT ROWID;

-- `chirp.live` notifications point at a stream; one per stream per recipient.
ALTER TABLE notifications ADD COLUMN stream_id INTEGER REFERENCES live_streams(id) ON DELETE CASCADE;
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once ON notifications(
    account_id, type, from_account_id, coalesce(status_id, 0), coalesce(stream_id, 0)
);
