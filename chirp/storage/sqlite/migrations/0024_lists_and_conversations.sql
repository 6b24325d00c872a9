-- Lists: an owner's lists of accounts it follows, and each list's timeline, written by the
-- fan-out (`FanOut.list_ids`). A membership goes with the follow: an unfollow removes it and
-- the member's entries (`remove_follow`). `author_id` is who put an entry there (the
-- retweeter for retweets), as in the home feed.
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lists_by_owner ON lists(account_id, id);

CREATE TABLE list_accounts (
    id INTEGER NOT NULL,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (list_id, account_id)
) WITHOUT ROWID;
-- The fan-out's lookup: the lists an author is a member of.
CREATE INDEX list_accounts_by_member ON list_accounts(account_id, list_id);

CREATE TABLE list_feed (
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    PRIMARY KEY (list_id, status_id)
) WITHOUT ROWID;
CREATE INDEX list_feed_by_status ON list_feed(status_id);

-- Direct conversations, one row per participant (Mastodon's account_conversations), keyed by
-- (account, thread root, the other participants as "1,2,3"); its tweets one row each.
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    participant_ids TEXT NOT NULL,
    last_status_id INTEGER NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, thread_id, participant_ids)
);
CREATE INDEX conversations_by_last ON conversations(account_id, last_status_id);

CREATE TABLE conversation_statuses (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, status_id)
) WITHOUT ROWID;
CREATE INDEX conversation_statuses_by_status ON conversation_statuses(status_id);
