"""The crawl's Scrapy extensions: the archive and its run, the archive's lock, stopping, memory."""
