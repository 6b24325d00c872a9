-- Followed and featured hashtags, and the links each tweet carries (the link timeline).

-- Who follows which hashtag, by its case-insensitive key (`chirp.core.text.tag_key`): a tag
-- nobody has used yet can be followed, and has no `tags` row until its first use.
CREATE TABLE tag_follows (
    id INTEGER PRIMARY KEY,                   -- snowflake: `followed_tags` pages by it
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);
-- The fan-out: the followers of a tweet's tags.
CREATE INDEX tag_follows_by_tag ON tag_follows(name_key, account_id);

-- Hashtags an account features on its profile (at most 10, `chirp.core.tags`).
CREATE TABLE featured_tags (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                       -- as the account wrote it
    name_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);

-- An account's uses of a tag: featured tags' counts, and the suggestions (most used tags).
CREATE INDEX status_tags_by_account ON status_tags(account_id, tag_id, status_id);

-- Links in a tweet's text, by `chirp.core.links.link_key`, written with the tweet (and again
-- on each edit): `GET /api/v1/timelines/link`.
CREATE TABLE status_links (
    link_key TEXT NOT NULL,
    status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    PRIMARY KEY (link_key, status_id)
) WITHOUT ROWID;
CREATE INDEX status_links_by_status ON status_links(status_id);
-- The links of the tweets written before this migration.
INSERT OR IGNORE INTO status_links(link_key, status_id)
    SELECT j.value, s.id FROM statuses s, json_each(chirp_link_keys(s.text)) j
    WHERE s.text LIKE '%http%';
