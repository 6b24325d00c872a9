-- Locked accounts' follow requests, private notes on accounts, and the profile's pictures,
-- fields and posting defaults.

-- A request to follow a locked account, pending until its owner authorizes (it becomes a row of
-- `follows` in the same transaction) or rejects it. Never a follow: no feed, visibility or
-- audience rule reads this table.
CREATE TABLE follow_requests (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
-- A locked account's pending requests, newest first (`GET /api/v1/follow_requests`).
CREATE INDEX follow_requests_by_target ON follow_requests(target_account_id, id);

-- What an account wrote about another, for its own eyes only (`note` of a Relationship).
CREATE TABLE account_notes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
) WITHOUT ROWID;

-- Profile pictures: the blob's key (to delete it when replaced) and the URL it was stored
-- under. Fields: a JSON list of [name, value, value as HTML]. Posting defaults (`source`).
ALTER TABLE accounts ADD COLUMN avatar_key TEXT;
ALTER TABLE accounts ADD COLUMN avatar_url TEXT;
ALTER TABLE accounts ADD COLUMN header_key TEXT;
ALTER TABLE accounts ADD COLUMN header_url TEXT;
ALTER TABLE accounts ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN default_privacy TEXT NOT NULL DEFAULT 'public';
ALTER TABLE accounts ADD COLUMN default_sensitive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN default_language TEXT;
