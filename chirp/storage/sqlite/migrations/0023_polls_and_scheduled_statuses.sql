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

-- Tweets to publish later (`scheduled_at`): what was posted, as Mastodon's `params`. Their
-- media rows point here (`media_attachments.status_id` = this id) until they are published.
CREATE TABLE scheduled_statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    scheduled_at TEXT NOT NULL,
    params TEXT NOT NULL,
    media_ids TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scheduled_statuses_by_account ON scheduled_statuses(account_id, id);

-- Media held by a scheduled post: neither attachable elsewhere nor collected until published.
ALTER TABLE media_attachments
    ADD COLUMN scheduled_status_id INTEGER REFERENCES scheduled_statuses(id) ON DELETE SET NULL;
