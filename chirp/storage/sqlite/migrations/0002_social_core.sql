-- The social core: tweets, entities, engagement, the follow graph, home feeds, notifications,
-- search and the transactional outbox. See docs/data-model.md for the why of each index.

CREATE TABLE statuses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    in_reply_to_id INTEGER,
    in_reply_to_account_id INTEGER,
    reblog_of_id INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    quote_of_id INTEGER,
    conversation_id INTEGER,
    mention_ids TEXT NOT NULL DEFAULT '',     -- space-separated account ids, denormalized for reads
    tags TEXT NOT NULL DEFAULT '',            -- space-separated tag names, denormalized for reads
    application_id INTEGER,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reblogs_count INTEGER NOT NULL DEFAULT 0,
    favourites_count INTEGER NOT NULL DEFAULT 0,
    quotes_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    edited_at TEXT
);
CREATE INDEX statuses_by_account ON statuses(account_id, id);
CREATE INDEX statuses_by_reply ON statuses(in_reply_to_id, id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_by_conversation ON statuses(conversation_id, id);
CREATE UNIQUE INDEX statuses_one_reblog ON statuses(reblog_of_id, account_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_by_quote ON statuses(quote_of_id) WHERE quote_of_id IS NOT NULL;
-- The public timeline: original public posts, newest first.
CREATE INDEX statuses_public ON statuses(id) WHERE visibility = 'public' AND reblog_of_id IS NULL;

CREATE TABLE status_mentions (
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
) WITHOUT ROWID;
CREATE INDEX status_mentions_by_account ON status_mentions(account_id, status_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,            -- NFKC + casefold: tags are case-insensitive
    created_at TEXT NOT NULL
);

CREATE TABLE status_tags (
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    public INTEGER NOT NULL,                  -- visibility = public: hashtag timelines and trends
    PRIMARY KEY (tag_id, status_id)
) WITHOUT ROWID;
CREATE INDEX status_tags_by_status ON status_tags(status_id);

CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX status_edits_by_status ON status_edits(status_id, id);

CREATE TABLE favourites (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_by_status ON favourites(status_id, id);
CREATE INDEX favourites_by_account ON favourites(account_id, id);

CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_by_account ON bookmarks(account_id, id);

CREATE TABLE pins (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    UNIQUE (account_id, status_id)
);

CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_by_target ON follows(target_account_id, id);

-- Fan-out-on-write home feeds, capped per owner. `author_id` is who put the entry there (the
-- retweeter for retweets) so an unfollow removes exactly that account's entries.
CREATE TABLE home_feed (
    owner_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL,
    reblog_of_id INTEGER,
    PRIMARY KEY (owner_id, status_id)
) WITHOUT ROWID;
CREATE INDEX home_feed_by_status ON home_feed(status_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    from_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_by_account ON notifications(account_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications(account_id, type, from_account_id, coalesce(status_id, 0));

CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    status_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;

-- Transactional outbox: each write records its domain event in the same transaction; the
-- dispatcher claims, handles (fan-out, notifications, push) and deletes it, retrying failures.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at TEXT NOT NULL,
    claimed_until TEXT
);
CREATE INDEX outbox_ready ON outbox(available_at);

-- Full-text search over tweet text (external content: the text lives in `statuses`).
CREATE VIRTUAL TABLE status_search USING fts5(
    text, content='statuses', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);

ALTER TABLE accounts ADD COLUMN display_name_key TEXT NOT NULL DEFAULT '';
UPDATE accounts SET display_name_key = lower(display_name);
CREATE INDEX accounts_by_display_name ON accounts(display_name_key);
