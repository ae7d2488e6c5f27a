"""The Scrapy crawl: settings, items, the `news` spider, its middlewares and extensions,
page understanding (`pages/`) and distributed crawling (`distributed/`)."""

__version__ = "0.1.0"
