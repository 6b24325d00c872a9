-- Content filters (Mastodon's v2 filters): one row per filter, its keywords and its filtered
-- tweets beside it. `version` grows with each save (concurrent edits are retried, not lost).
CREATE TABLE filters (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at TEXT,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX filters_by_account ON filters(account_id, id);

CREATE TABLE filter_keywords (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL
);
CREATE INDEX filter_keywords_by_filter ON filter_keywords(filter_id, id);

CREATE TABLE filter_statuses (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL,
    UNIQUE (filter_id, status_id)
);

-- Each account's filters version, raised by every write to its filters in the same
-- transaction: a reader compares one number to know whether its compiled copy is current.
CREATE TABLE filter_versions (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    version INTEGER NOT NULL
);
