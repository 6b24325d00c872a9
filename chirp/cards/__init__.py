"""Link preview cards: the guarded HTTP client, the page metadata parser, the fetcher."""
