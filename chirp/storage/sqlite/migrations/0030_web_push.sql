-- Web Push subscriptions: one per access token (a new one replaces the token's old one), gone
-- with the token's row; read by account when a notification is pushed.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL UNIQUE REFERENCES tokens(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    alerts TEXT NOT NULL,
    policy TEXT NOT NULL,
    standard INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_by_account ON push_subscriptions(account_id);

-- Secrets every node must share and keep (the VAPID key pair): the first node to start writes
-- them, the others read what it wrote.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
