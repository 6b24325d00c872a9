-- Fan-out-on-write home feeds, capped per owner, in a database file of their own
-- (`<store>-feeds.db`): a fan-out writes ~1,000 feed rows a tweet, and with the feeds in the
-- main file every post waited behind it for SQLite's single write lock. `author_id` is who put
-- the entry there (the retweeter for retweets), so an unfollow removes exactly that account's
-- entries. No index by status: see main migration 0008 (a deleted tweet's entries are removed
-- from the feeds that can hold it).
CREATE TABLE IF NOT EXISTS home_feed (
    owner_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    reblog_of_id INTEGER,
    PRIMARY KEY (owner_id, status_id)
) WITHOUT ROWID;
