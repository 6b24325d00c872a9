-- Follow options (Mastodon's `reblogs`, `notify`, `languages`): a follow's languages as a JSON
-- array (NULL: every language); a follow request holds the options its follow will have.
ALTER TABLE follows ADD COLUMN languages TEXT;
ALTER TABLE follow_requests ADD COLUMN show_reblogs INTEGER NOT NULL DEFAULT 1;
ALTER TABLE follow_requests ADD COLUMN notify INTEGER NOT NULL DEFAULT 0;
ALTER TABLE follow_requests ADD COLUMN languages TEXT;
-- The follows whose options the audience rule reads for each tweet (`followers_with_options`):
-- few of an account's followers, found without reading the others.
CREATE INDEX follows_with_options ON follows(target_account_id)
    WHERE show_reblogs = 0 OR notify = 1 OR languages IS NOT NULL;
