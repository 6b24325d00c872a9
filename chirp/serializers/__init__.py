"""Domain records -> Mastodon API JSON. Kept apart from the models; handlers call these."""
