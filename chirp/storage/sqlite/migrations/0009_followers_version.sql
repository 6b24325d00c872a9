-- A version of each account's set of followers, bumped by every follow and unfollow of it
-- (whatever statement makes it, cascades from a deleted account included). Who follows an
-- account is read for every tweet it posts (the realtime push's audience); with this the list
-- is read again only when it changed (`SqliteFollows.follower_ids`): a 1,000-follower list was
-- ~0.7 ms of a reader thread and ~0.2 ms of the loop's per tweet under the posting benchmark.
ALTER TABLE accounts ADD COLUMN followers_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER follows_added AFTER INSERT ON follows FOR EACH ROW
BEGIN
    UPDATE accounts SET followers_version = followers_version + 1
    WHERE id = NEW.target_account_id;
END;

CREATE TRIGGER follows_removed AFTER DELETE ON follows FOR EACH ROW
BEGIN
    UPDATE accounts SET followers_version = followers_version + 1
    WHERE id = OLD.target_account_id;
END;
