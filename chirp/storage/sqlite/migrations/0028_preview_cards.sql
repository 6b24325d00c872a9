-- Link preview cards, one per link (`status_links.link_key`), fetched after a tweet carried
-- the link; `failed` marks a page that could not be read (not fetched again soon).
CREATE TABLE preview_cards (
    link_key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    fetched_at TEXT,
    failed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
