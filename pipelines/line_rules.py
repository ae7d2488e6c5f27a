"""Line-level cleaning after extraction: drop the promo and comment lines left in the text.

Each rule matches a whole line that is boilerplate (`READ MORE: <title>`, `Be First to
Comment`, `12 Comments`, `Advertisement`...). Rules are anchored and most apply to short
lines only, so a story paragraph that merely mentions "read more" or "comments" in a
sentence is kept.
"""

from __future__ import annotations

import re

# Promo prefixes followed by a link title: "READ MORE: ...", "Lesen Sie auch: ...".
_PROMO_PREFIX = (
    r"read more|read also|also read|related|related articles?|related stories|see also|"
    r"more on this|more on this story|watch|listen|recommended|"
    r"lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant|weiterlesen|siehe auch|"
    r"lire aussi|à lire aussi|a lire aussi|voir aussi|lire la suite|"
    r"lee también|lea también|leer más|ver también|te puede interesar|más información"
)
# The prefix ends with a colon, bar or guillemet, or a dash set off by spaces ("Related -
# ..."), never a hyphen that makes a word ("Related-party transactions ...").
_PROMO_LINE_RE = re.compile(rf"^\s*({_PROMO_PREFIX})(\s*[:|»>]|\s+[–—-])\s*\S", re.IGNORECASE)
_MAX_PROMO_WORDS = 25

# Lines that are boilerplate as a whole.
_BOILERPLATE_LINE_RES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r'press "?enter"? to skip to content',
        r"skip to (main )?content",
        r"(advertisement|advertisements|anzeige|werbung|publicité|publicidad)",
        r"share (this|this article|this story|on \w+):?",
        r"be (the )?first to comment",
        r"leave a (reply|comment)",
        r"(no|\d+) comments?",
        r"comments? \(\d+\)",
        r"\d+ (kommentare?|commentaires?|comentarios?)",
        r"(kommentar schreiben|laisser un commentaire|deja un comentario)",
        r"your email address will not be published\..*",
        r"required fields are marked \*?",
        r"more from [\w .&'-]{1,40}(more posts in [\w .&'-]{1,40} »)?",
        r"more posts in [\w .&'-]{1,40} »",
        r"(subscribe|sign up)( now| today)?( to| for)? (our|the)? ?(\w+ )?newsletter.*",
        r"(mehr|plus|más) (zum thema|sur le sujet|sobre el tema)",
    )
]
_MAX_BOILERPLATE_WORDS = 20


def is_boilerplate_line(line: str) -> bool:
    """True if `line`, as a whole, is a promo, comment heading or other leftover."""
    stripped = " ".join(line.split())
    words = len(stripped.split())
    if words <= _MAX_PROMO_WORDS and _PROMO_LINE_RE.match(stripped):
        return True
    if words > _MAX_BOILERPLATE_WORDS:
        return False
    return any(rule.fullmatch(stripped) for rule in _BOILERPLATE_LINE_RES)


def clean_lines(lines: list[str]) -> list[str]:
    """The lines of an extracted text without boilerplate lines and blank lines."""
    return [line.strip() for line in lines if line.strip() and not is_boilerplate_line(line)]
