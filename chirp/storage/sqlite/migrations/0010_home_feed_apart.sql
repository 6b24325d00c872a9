-- The home feeds live in their own database file now (`feeds_migrations/0001_home_feed.sql`).
-- `SqliteStore.open` has copied this table's entries there, committed, before this runs.
DROP TABLE IF EXISTS home_feed;
