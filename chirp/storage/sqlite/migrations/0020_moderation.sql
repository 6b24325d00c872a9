-- Moderation: roles and moderators' decisions on accounts, users' reports, the audit log.

-- One row per account that has a role, is pending approval, or was acted on.
CREATE TABLE account_moderation (
    account_id INTEGER PRIMARY KEY,
    role TEXT,
    approved INTEGER NOT NULL DEFAULT 1,
    reason TEXT NOT NULL DEFAULT '',
    suspended_at TEXT,
    silenced_at TEXT,
    sensitized_at TEXT,
    disabled_at TEXT,
    updated_at TEXT
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    target_account_id INTEGER NOT NULL,
    category TEXT NOT NULL,
    comment TEXT NOT NULL,
    status_ids TEXT NOT NULL DEFAULT '[]',
    rule_ids TEXT NOT NULL DEFAULT '[]',
    forwarded INTEGER NOT NULL DEFAULT 0,
    assigned_account_id INTEGER,
    action_taken_at TEXT,
    action_taken_by_account_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX reports_by_target ON reports(target_account_id, id);
CREATE INDEX reports_unresolved ON reports(id) WHERE action_taken_at IS NULL;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    account_id INTEGER,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
