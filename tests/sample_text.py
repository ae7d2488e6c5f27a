"""Text and parsing shared by the extraction tests: an invented local-news story."""

import lxml.html

# Story paragraphs; some mention "read more", "comments" or "subscribe" in a sentence and
# must survive every cleaning stage.
STORY = [
    "The harbour authority confirmed on Friday that the eastern pier will close for repairs "
    "from the first week of May, after an inspection found worn supports under the walkway.",
    "Fishing boats that normally unload at the pier will use the western quay instead, and "
    "the ferry timetable will not change while the work is carried out over the summer.",
    "A spokesperson said the repairs had been planned for several years and that the cost "
    "would be shared between the authority and the regional transport fund.",
    "Residents who want to read more about the plan can visit the council office on Monday.",
    "The minister declined to make further comments on the budget, saying the review would "
    "take weeks.",
    "Subscribers to the local paper received the notice by post.",
]


def parse(html: str) -> lxml.html.HtmlElement:
    """A real lxml tree of `html`."""
    return lxml.html.fromstring(html)
