"""newsarchive's crawling side: Scrapy settings, the `news` spider, sites files and the CLI."""

__version__ = "0.1.0"
