"""The extraction library: a page's HTML to clean article text and metadata, with no
Scrapy and no database inside (`extract_article`, in `core.py`).

One module per stage, in the order a page goes through them: `encoding.py` (the page's
encoding and text), `pruning.py` (boilerplate removed from the tree before trafilatura),
`core.py` (trafilatura's passes and the fallbacks between them), `line_rules.py` (lines
removed after), `standfirst.py` (the lead shown outside the body), `metadata.py` with
`titles.py` and `authors.py` (title, authors, dates, section, tags), and
`site_blocks.py` (boilerplate learned per site from recurring blocks); `words.py`
matches texts by their words.
"""

from pipelines.extraction.core import (
    EXTRACTOR_VERSION,
    ExtractedArticle,
    SiteProfile,
    extract_article,
)

__all__ = ["EXTRACTOR_VERSION", "ExtractedArticle", "SiteProfile", "extract_article"]
