-- Start-up endpoints: timeline markers, custom emojis, announcements (reactions, dismissals).

-- Where each user stopped reading `home` / `notifications` (Mastodon's markers).
CREATE TABLE markers (
    account_id INTEGER NOT NULL,
    timeline TEXT NOT NULL,
    last_read_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- The operator's `:shortcode:` images; the bytes live in the blob store under these keys.
CREATE TABLE custom_emojis (
    shortcode TEXT PRIMARY KEY,
    image_key TEXT NOT NULL,
    static_key TEXT NOT NULL,
    category TEXT,
    visible_in_picker INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    all_day INTEGER NOT NULL DEFAULT 0,
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per (announcement, account, emoji); counted per emoji when listed.
CREATE TABLE announcement_reactions (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);
CREATE INDEX announcement_reactions_by_name ON announcement_reactions(announcement_id, name);

-- Announcements a user marked read (`read` in the API).
CREATE TABLE announcement_dismissals (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, announcement_id)
);
