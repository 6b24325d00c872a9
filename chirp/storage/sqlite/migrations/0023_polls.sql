-- Polls of tweets: one row per poll, one per option (its count incremented in place, so
-- concurrent votes count exactly), one per (voter, chosen option).

CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    multiple INTEGER NOT NULL DEFAULT 0,
    hide_totals INTEGER NOT NULL DEFAULT 0,
    voters_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE poll_options (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    votes_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (poll_id, position)
);

CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    choice INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (poll_id, account_id, choice)
);

-- One voter row per (poll, account): a second ballot is a unique violation.
CREATE TABLE poll_voters (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (poll_id, account_id)
);
