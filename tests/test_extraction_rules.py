"""The cleaning rules of issue 3: headline repeats, promo headings with their link lists,
prompts and credits in four languages, link lists, titles and authors."""

from __future__ import annotations

import json

import pytest

from pipelines.extraction import extract_article
from pipelines.extraction.authors import clean_authors, is_site_name, split_names
from pipelines.extraction.line_rules import clean_lines, is_boilerplate_line
from pipelines.extraction.metadata import page_metadata
from pipelines.extraction.pruning import prune_boilerplate
from pipelines.extraction.titles import headline, strip_site_name
from sample_text import STORY, parse

URL = "https://www.coastline-gazette.com/2023/03/18/harbour-pier-to-close/"


# Line rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # English
        "Sign up for our emails",
        "Get the latest news from the Gazette in your inbox.",
        "Follow the Gazette on Twitter and Facebook for the latest news updates.",
        "Reviews are unbiased, but we may earn an affiliate commission from purchases.",
        "Reporting by Jane Doe; Editing by Sam Roe",
        "With files from The Associated Press",
        "Associated Press writer Sam Roe in Paris contributed to this report.",
        "Got a story? Get in touch with our news team by e-mail.",
        "Would you like to comment on this article?",
        "5 min read",
        "© 2024 Coastline Gazette. All rights reserved.",
        "Photo: Jane Doe/Coastline Gazette",
        "STR/AFP via Getty Images",
        "MORE: Harbour festival dates announced",
        "(dpa/AFP)",
        # German
        "Lesedauer: 4 Minuten",
        "Fehler gefunden? Jetzt melden.",
        "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns mit einer Spende.",
        "Folgst du schon 20 Minuten auf Whatsapp?",
        "Der Newsletter informiert Sie jeden Abend kompakt in Ihrem privaten Postfach.",
        "Mit Agenturmaterial.",
        "Mit Informationen der Korrespondenten sowie der Nachrichtenagenturen dpa und AFP.",
        "Share this article",
        "Foto: Anna Schmidt",
        # French
        "Il vous reste 57% de cet article à lire. La suite est réservée aux abonnés.",
        "Inscrivez-vous à notre newsletter quotidienne",
        "Temps de lecture : 3 min",
        # Spanish
        "Suscríbete al boletín de noticias",
        "Tiempo de lectura: 4 minutos",
    ],
)
def test_new_boilerplate_lines(line: str):
    """Prompts, credits, paywall notices and reading times are dropped in EN/DE/FR/ES."""
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        STORY[3],  # "... read more about the plan ..."
        STORY[4],  # "... further comments on the budget ..."
        STORY[5],  # "Subscribers to the local paper ..."
        "Clubs that subscribe to the national rowing association can now earn ranking points.",
        "The photo agency Getty Images said on Monday that it would cut 300 jobs in London "
        "and New York after a fall in sales.",
        "Copyright law was changed in 2019, and the publishers' lobby still says it is unfair.",
        "Share prices",
        "Mit Informationen aus dem Rathaus wollte die Sprecherin am Montag nicht dienen.",
        "Die Leser können mehr über den Plan im Rathaus erfahren, sagte die Sprecherin.",
        "Le maire a refusé de faire d'autres commentaires sur le budget lundi soir.",
        "El alcalde se negó a hacer más comentarios sobre el presupuesto el lunes.",
    ],
)
def test_story_sentences_kept(line: str):
    """Story sentences that mention reading, comments, subscribing or credits are kept."""
    assert not is_boilerplate_line(line)


def test_clean_lines_drops_headline_repeated_at_the_top():
    """The headline (alone or after a short kicker) at the top of the text goes; the same
    words later in the text stay."""
    lines = [
        "Harbour: Eastern pier to close for repairs",
        STORY[0],
        "Eastern pier to close for repairs",
        STORY[1],
    ]
    assert clean_lines(lines, ("Eastern pier to close for repairs",)) == [
        STORY[0],
        "Eastern pier to close for repairs",
        STORY[1],
    ]


def test_clean_lines_drops_promo_heading_with_its_link_list():
    """A promo heading ("Mehr zum Thema", "Related") takes the list under it along; a list
    under a story paragraph stays."""
    lines = [
        STORY[0],
        "Mehr zum Thema",
        "- Neue Fähre für den Hafen",
        "- Hafenfest verschoben",
        STORY[1],
        "- Fishing boats unload at the western quay.",
        "Related:",
        "- Pier inspection report published",
    ]
    assert clean_lines(lines) == [STORY[0], STORY[1], "- Fishing boats unload at the western quay."]


# Pruning --------------------------------------------------------------------------------


def test_prune_removes_lists_made_of_links_only():
    """A list whose every item is a link (a kicker may precede it) is removed; a story list
    with a link inside a sentence is kept."""
    tree = parse(
        "<html><body><article><h1>Pier</h1>"
        f"<p>{STORY[0]}</p>"
        "<ul><li><a href='/a/'>Ferry timetable grows</a></li>"
        "<li><strong>Harbour: </strong>"
        "<a href='/b/'>Quay lights restored after the storm</a></li></ul>"
        "<ul><li>Fishing boats will unload at the <a href='/quay/'>western quay</a> instead.</li>"
        "<li>The ferry timetable will not change while the work is carried out.</li></ul>"
        f"<p>{STORY[1]}</p></article></body></html>"
    )
    assert prune_boilerplate(tree) == 1
    text = tree.text_content()
    assert "Ferry timetable grows" not in text
    assert "Quay lights restored" not in text
    assert "western quay instead" in text


# Titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Eastern pier to close | Coastline Gazette", "Eastern pier to close"),
        ("Eastern pier to close - coastline-gazette.com", "Eastern pier to close"),
        ("Coastline Gazette | Eastern pier to close", "Eastern pier to close"),
        ("Eastern pier to close - for good", "Eastern pier to close - for good"),
        ("Harbour: Eastern pier to close", "Harbour: Eastern pier to close"),
    ],
)
def test_strip_site_name(title: str, expected: str):
    """Segments naming the site (its name or its domain) go; other segments stay."""
    assert strip_site_name(title, {"Coastline Gazette"}, URL) == expected


def test_headline_prefers_first_candidate_and_h1_for_segmented_titles():
    """The JSON-LD headline wins; a title with section and site segments gives way to the
    <h1> that is its first segment."""
    tree = parse("<html><body><h1>Eastern pier to close</h1></body></html>")
    assert headline(tree, ["Pier closes", "Eastern pier to close"], set(), URL) == "Pier closes"
    segmented = "Eastern pier to close | Local | 18.03.2023"
    assert headline(tree, [None, segmented], set(), URL) == "Eastern pier to close"
    assert headline(parse("<html><body></body></html>"), [None, None], set(), URL) is None


def test_metadata_title_unescaped_from_jsonld():
    """HTML character references in JSON-LD are resolved."""
    ld = {"@type": "NewsArticle", "headline": "Pier&#8217;s &quot;last&quot; summer"}
    tree = parse(
        f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
        "<body></body></html>"
    )
    assert page_metadata(tree, URL, {})["title"] == 'Pier’s "last" summer'


# Authors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Samya Kullab and Vasilisa Stepanenko", ["Samya Kullab", "Vasilisa Stepanenko"]),
        ("Felix Schröder und Jörg Soldwisch, dpa", ["Felix Schröder", "Jörg Soldwisch", "dpa"]),
        ("Brazil, Rachel", ["Rachel Brazil"]),
        ("Elena Oberholzer (obe)", ["Elena Oberholzer"]),
        ("Autor: Monika Bolliger", ["Monika Bolliger"]),
        ("d.kuckelkorn@example.com", []),
        ("(Image: Getty Images)", []),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
    ],
)
def test_split_names(raw: str, expected: list[str]):
    """One author string gives clean names: split, reordered, without prefixes or e-mails."""
    assert split_names(raw) == expected


def test_clean_authors_dedupes_case_insensitively():
    """The same name twice (in any case) is one author."""
    assert clean_authors(["Jane Doe", "JANE DOE", "By Sam Roe"]) == ["Jane Doe", "Sam Roe"]


def test_is_site_name():
    """The site's name, its initials and domains are the site, not a person."""
    sites = {"Coastline Gazette"}
    assert is_site_name("Coastline Gazette", sites, URL)
    assert is_site_name("CG", sites, URL)
    assert is_site_name("coastline-gazette.com", sites, URL)
    assert is_site_name("Coastline Gazette (www.coastline-gazette.com)", set(), URL)
    assert not is_site_name("Jane Doe", sites, URL)


def jsonld_page(ld: dict, head: str = "") -> str:
    """A page with JSON-LD `ld`, extra `head` and the story."""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return (
        f'<html lang="en"><head><script type="application/ld+json">{json.dumps(ld)}</script>'
        f"{head}</head><body><article><h1>Eastern pier to close</h1>{body}</article></body></html>"
    )


def test_publisher_as_author_gives_way_to_the_byline_meta():
    """A JSON-LD author that is the publisher itself gives way to a person named in the
    meta tags; it stays the author when nobody else is named."""
    ld = {
        "@type": "NewsArticle",
        "headline": "Eastern pier to close",
        "author": {"@type": "Organization", "name": "Coastline Gazette"},
        "publisher": {"@type": "Organization", "name": "Coastline Gazette"},
    }
    with_byline = extract_article(jsonld_page(ld, '<meta name="author" content="Jane Doe">'), URL)
    alone = extract_article(jsonld_page(ld), URL)
    assert with_byline is not None and alone is not None
    assert with_byline.authors == ["Jane Doe"]
    assert alone.authors == ["Coastline Gazette"]


def test_jsonld_person_given_and_family_name():
    """A JSON-LD Person without `name` is named by its given and family names."""
    ld = {
        "@type": "NewsArticle",
        "headline": "Eastern pier to close",
        "author": [
            {"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"},
            {"@type": "Person", "givenName": "Jan", "familyName": "Marchart"},
        ],
    }
    article = extract_article(jsonld_page(ld), URL)
    assert article is not None
    assert article.authors == ["Anna Giulia Fink", "Jan Marchart"]


def test_text_starts_with_story_not_headline():
    """The headline shown above the story is not part of the text."""
    ld = {"@type": "NewsArticle", "headline": "Eastern pier to close"}
    article = extract_article(jsonld_page(ld), URL)
    assert article is not None
    assert article.text == "\n\n".join(STORY)


# Standfirst -----------------------------------------------------------------------------

LEAD = "The eastern pier will close for six months while its worn supports are replaced."


def standfirst_page(description: str, shown_lead: str | None) -> str:
    """A page whose lead (if shown) sits in the header, outside the article body."""
    lead = f'<p class="intro">{shown_lead}</p>' if shown_lead else ""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return (
        f'<html lang="en"><head><meta name="description" content="{description}"></head>'
        f"<body><header><h1>Eastern pier to close</h1>{lead}</header>"
        f"<main><article>{body}</article></main></body></html>"
    )


def test_standfirst_shown_on_the_page_leads_the_text():
    """The description, shown as the lead paragraph outside the body, is the first
    paragraph of the text, in the page's own wording."""
    shown = LEAD.replace("six months", "six  months")
    article = extract_article(standfirst_page(LEAD, shown), URL)
    assert article is not None
    assert article.text == "\n\n".join([LEAD, *STORY])


def test_description_not_shown_on_the_page_is_not_text():
    """A description that the page does not show is metadata only."""
    article = extract_article(standfirst_page(LEAD, None), URL)
    assert article is not None
    assert article.text == "\n\n".join(STORY)
    assert article.description == LEAD
