"""Recognising pages that stand between the crawler and the articles: cookie-consent
walls, bot challenges and "enable JavaScript" interstitials.

Such a page must never be archived as an article (it would overwrite real text), and a
run that meets them must say so: a scheduled crawl that silently archives nothing is the
failure users notice last.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

__all__ = ["wall_reason"]

# Phrases of consent walls and bot challenges, matched in the page title or its short text.
_CHALLENGE_RE = re.compile(
    r"just a moment\.\.\.|checking (if the site connection is secure|your browser)"
    r"|verify(ing)? you are (a )?human|are you a robot|captcha|access denied"
    r"|enable javascript and cookies to continue|attention required!?"
    r"|please enable (javascript|cookies)|request unsuccessful\. incapsula"
    r"|pardon our interruption",
    re.IGNORECASE,
)
_CONSENT_RE = re.compile(
    r"(accept|agree to|allow) (all )?cookies|cookie (consent|settings|preferences)"
    r"|we value your privacy|consent to (the use of )?(cookies|your data)"
    r"|before you continue|zustimmen und weiter|alle akzeptieren|tout accepter"
    r"|aceptar (todas|todo|cookies)|privacy (choices|settings)",
    re.IGNORECASE,
)

# Above this much visible text a page is content with a consent banner, not a wall.
_WALL_MAX_TEXT_CHARS = 1500


# A page with this many paragraphs of this many words has content of its own: a consent
# phrase on it is a banner or a footer link ("Cookie settings"), not a wall.
_STORY_PARAGRAPHS = 2
_STORY_PARAGRAPH_WORDS = 25


def wall_reason(tree: HtmlElement) -> str | None:
    """Why the page looks like a consent wall or bot challenge ("bot challenge" /
    "consent wall"), or None if it looks like a normal page.

    A page with story paragraphs of its own is never a wall. Otherwise its title decides
    when it names a challenge or a consent step, else its text if the page is short.
    """
    if _has_story_paragraphs(tree):
        return None
    title = " ".join(tree.xpath("//title//text()")).strip()
    if _CHALLENGE_RE.search(title):
        return "bot challenge"
    if _CONSENT_RE.search(title):
        return "consent wall"
    text = " ".join(
        t.strip() for t in tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]")
    )
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > _WALL_MAX_TEXT_CHARS:
        return None
    if _CHALLENGE_RE.search(text):
        return "bot challenge"
    if _CONSENT_RE.search(text):
        return "consent wall"
    return None


def _has_story_paragraphs(tree: HtmlElement) -> bool:
    long_paragraphs = 0
    for paragraph in tree.iter("p"):
        if len(paragraph.text_content().split()) >= _STORY_PARAGRAPH_WORDS:
            long_paragraphs += 1
            if long_paragraphs >= _STORY_PARAGRAPHS:
                return True
    return False
