-- A version per tweet and per account, bumped by every update of the row (whatever statement
-- makes it: counters, edits, profile changes). Reads of a page check the versions of its rows
-- and convert only rows that changed since this process last read them (SqliteRecords).
ALTER TABLE statuses ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER statuses_version AFTER UPDATE ON statuses FOR EACH ROW
WHEN NEW.version = OLD.version
BEGIN
    UPDATE statuses SET version = OLD.version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER accounts_version AFTER UPDATE ON accounts FOR EACH ROW
WHEN NEW.version = OLD.version
BEGIN
    UPDATE accounts SET version = OLD.version + 1 WHERE id = NEW.id;
END;
