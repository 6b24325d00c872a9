"""The domain core: use cases, models and rules. Imports no web framework and no database driver."""
