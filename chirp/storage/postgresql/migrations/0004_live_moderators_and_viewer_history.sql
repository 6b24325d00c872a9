-- SQLite migration 0033 (chat moderators, viewer count history), for PostgreSQL.

CREATE TABLE live_chat_moderators (
    streamer_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (streamer_id, account_id)
);

CREATE TABLE live_viewer_history (
    stream_id BIGINT NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    minute_ms BIGINT NOT NULL,
    viewers BIGINT NOT NULL,
    PRIMARY KEY (stream_id, minute_ms)
);
