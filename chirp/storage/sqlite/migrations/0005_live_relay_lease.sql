-- The relay node of a live stream renews this lease (Unix ms) while it relays the stream; a
-- live stream whose lease ran out lost its node (a crash) and is ended by whichever node sees it.
ALTER TABLE live_streams ADD COLUMN relay_seen_ms INTEGER;
