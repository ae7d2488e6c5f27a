"""Page understanding: what a fetched page is (article or listing, wall), its links, URL shapes and
structured data."""
