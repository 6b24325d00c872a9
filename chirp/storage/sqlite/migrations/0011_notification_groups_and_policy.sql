-- Grouped notifications, notification policies and requests, conversation mutes (read markers: 0014).

-- Filtered notifications are held back by the recipient's policy (shown on request); grouped
-- ones share a key (favourites of one tweet, follows, within hours of each other).
ALTER TABLE notifications ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_by_group ON notifications(account_id, group_key, id)
    WHERE group_key IS NOT NULL;
CREATE INDEX notifications_filtered_by_sender ON notifications(account_id, from_account_id)
    WHERE filtered = 1;

CREATE TABLE notification_policies (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    for_not_following TEXT NOT NULL,
    for_not_followers TEXT NOT NULL,
    for_new_accounts TEXT NOT NULL,
    for_private_mentions TEXT NOT NULL,
    for_limited_accounts TEXT NOT NULL
) WITHOUT ROWID;

-- One per (recipient, sender) whose mentions were filtered.
CREATE TABLE notification_requests (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    last_status_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX notification_requests_once ON notification_requests(account_id, from_account_id);
CREATE INDEX notification_requests_by_account ON notification_requests(account_id, id);

-- Senders a recipient accepted: their notifications are never filtered again.
CREATE TABLE notification_permissions (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
) WITHOUT ROWID;

-- Threads muted by an account, keyed by the thread's root (`statuses.conversation_id`).
CREATE TABLE conversation_mutes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_mutes_by_conversation ON conversation_mutes(conversation_id);
