-- Trimming many feeds with one statement: inserting (owner, below) rows here deletes that
-- owner's entries older than `below`, by key range, inside SQLite. A DELETE statement per feed
-- was a step each, and each step's return waits for the GIL that a busy event loop holds (the
-- feeds' writer spent most of its time there while tweets were being posted). The rows are
-- deleted again in the same transaction: the table is always empty between transactions.
CREATE TABLE IF NOT EXISTS feed_cuts (
    owner_id INTEGER NOT NULL,
    below INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS feed_cut AFTER INSERT ON feed_cuts FOR EACH ROW
BEGIN
    DELETE FROM home_feed WHERE owner_id = NEW.owner_id AND status_id < NEW.below;
END;
