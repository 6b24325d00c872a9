-- SQLite migration 0037 (follow options: languages, the options of follow requests), for
-- PostgreSQL.

ALTER TABLE follows ADD COLUMN languages TEXT;
ALTER TABLE follow_requests ADD COLUMN show_reblogs BIGINT NOT NULL DEFAULT 1;
ALTER TABLE follow_requests ADD COLUMN notify BIGINT NOT NULL DEFAULT 0;
ALTER TABLE follow_requests ADD COLUMN languages TEXT;
CREATE INDEX follows_with_options ON follows (target_account_id)
    WHERE show_reblogs = 0 OR notify = 1 OR languages IS NOT NULL;
