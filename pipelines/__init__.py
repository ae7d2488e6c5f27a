"""newsarchive's item pipelines: extraction (with cleaning) and storage, and what they use."""
