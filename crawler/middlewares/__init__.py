"""The crawl's Scrapy middlewares: scope, redirects, budget, sitemap pacing, incremental runs."""
