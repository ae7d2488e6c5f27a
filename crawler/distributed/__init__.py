"""Crawling with many processes: scrapy-redis workers and one writer (`newsarchive
crawl --redis`, `newsarchive ingest --redis`); see the README's "Running distributed"."""
