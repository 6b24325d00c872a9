-- Blocks and mutes between accounts (Mastodon's semantics: see chirp/core/blocks.py).

CREATE TABLE account_blocks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
-- Who blocks an account (the fan-out's and the notifications' question).
CREATE INDEX account_blocks_by_target ON account_blocks(target_account_id, account_id);

-- `expires_at`: fixed-width UTC text (so text order is time order), NULL for good.
CREATE TABLE account_mutes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    notifications INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX account_mutes_by_target ON account_mutes(target_account_id, account_id);
CREATE INDEX account_mutes_by_expiry ON account_mutes(expires_at) WHERE expires_at IS NOT NULL;
