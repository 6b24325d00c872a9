-- `admin.report` notifications point at the report (one per report per staff member).
ALTER TABLE notifications ADD COLUMN report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE;
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once ON notifications(
    account_id, type, from_account_id, coalesce(status_id, 0), coalesce(stream_id, 0),
    coalesce(report_id, 0)
);
