"""The item pipelines (the extract, store and ship stages), the extraction library
(`extraction/`) and the archive (`archive/`)."""
