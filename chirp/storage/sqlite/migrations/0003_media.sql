-- Media attachments (images, GIFs as silent video, videos). The bytes live in the blob store;
-- these rows say which blobs belong to which upload and tweet. See docs/data-model.md.

CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- NULL until attached; detached again when its tweet is deleted (delete-and-redraft).
    status_id INTEGER REFERENCES statuses(id) ON DELETE SET NULL,
    type TEXT NOT NULL CHECK (type IN ('image', 'gifv', 'video')),
    state TEXT NOT NULL CHECK (state IN ('processing', 'ready', 'failed', 'deleting')),
    content_type TEXT NOT NULL DEFAULT '',
    file_key TEXT,
    preview_key TEXT,
    thumbnail_key TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    blurhash TEXT,
    description TEXT NOT NULL DEFAULT '',
    focus_x REAL NOT NULL DEFAULT 0,
    focus_y REAL NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX media_by_status ON media_attachments(status_id) WHERE status_id IS NOT NULL;
-- The garbage collector's access path: unattached uploads, oldest first.
CREATE INDEX media_unattached ON media_attachments(updated_at) WHERE status_id IS NULL;

-- Attachment ids in display order, denormalized onto the tweet like mention_ids: a page of
-- tweets loads all its attachments with one query by id, and `only_media` is a column test.
ALTER TABLE statuses ADD COLUMN media_ids TEXT NOT NULL DEFAULT '';
