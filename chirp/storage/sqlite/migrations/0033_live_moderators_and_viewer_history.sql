-- Chat moderators a streamer appointed: they delete messages and ban in all the streamer's chats.
CREATE TABLE live_chat_moderators (
    streamer_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (streamer_id, account_id)
) WITHOUT ROWID;

-- A stream's viewer count over time: per minute, the highest count any node sampled in it.
CREATE TABLE live_viewer_history (
    stream_id INTEGER NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    minute_ms INTEGER NOT NULL,
    viewers INTEGER NOT NULL,
    PRIMARY KEY (stream_id, minute_ms)
) WITHOUT ROWID;
