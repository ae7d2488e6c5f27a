"""Line-level cleaning after extraction: drop the promo and comment lines left in the text.

Each rule matches a whole line that is boilerplate (`READ MORE: <title>`, `Be First to
Comment`, `12 Comments`, `Advertisement`...). Rules are anchored and most apply to short
lines only, so a story paragraph that merely mentions "read more" or "comments" in a
sentence is kept.
"""

from __future__ import annotations

import re

from pipelines.extraction.words import count_words, word_key

# Promo prefixes followed by a link title: "READ MORE: ...", "Lesen Sie auch: ...".
_PROMO_PREFIX = (
    r"read more|read also|also read|related|related articles?|related stories|see also|"
    r"more on this|more on this story|watch|listen|recommended|"
    r"lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant|weiterlesen|siehe auch|"
    r"lire aussi|à lire aussi|a lire aussi|voir aussi|lire la suite|"
    r"lee también|lea también|leer más|ver también|te puede interesar|más información|"
    r"more|read next|mehr dazu|mehr lesen"
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
        # Sign-up and subscription prompts.
        r"(sign up|subscribe|register)( now| today| here| free)?( to| for) .{0,80}",
        r"get (the latest|our|the best) .{0,60}(in|to) your inbox\.?",
        r"(jetzt )?(newsletter )?(abonnieren|bestellen|kostenlos testen)\b.{0,60}",
        r"(abonnez-vous|inscrivez-vous|suscríbete|suscríbase)\b.{0,80}",
        # Reading time.
        r"(lesedauer|lesezeit|reading time|temps de lecture|tiempo de lectura):? .{0,20}",
        r"\d+ (min|minutes?|minuten|minutos)\.? (read|lesezeit|lesedauer|de lecture|de lectura)",
        # Copyright and credit lines.
        r"(©|\(c\) \d{4}|copyright (©|\(c\)|\d{4})).{0,200}",
        r"(foto|fotos|bild|bilder|photo|photos|image|picture|credit|crédit|crédito|"
        r"quelle|source|fuente)s?\s*:.{0,80}",
        r"[^.!?]{0,60}\b(getty images|shutterstock|imago|picture alliance|istock\w*)\b[^.!?]{0,40}",
        # Error-report prompts.
        r"(fehler gefunden|found an error|spotted an error|report an error|signaler une erreur)"
        r"\??.{0,40}",
        r"(share|teilen|partager|compartir)( this( article| story)?| on \w+| via \w+)?:?",
        # Wire and contributor credits.
        r"((additional )?(reporting|writing|editing) by|with (files|reporting) from) .{1,300}",
        r".{0,120}contributed (to )?this report\.?",
        r"mit (agentur)?material( von| der| aus)?[^.]{0,100}\.?",
        r"mit informationen (von|der|aus) [^.]{0,160}\b(agenturen?|nachrichtenagenturen|dpa|afp|"
        r"reuters|ap|kna|epd)\b[^.]{0,80}\.?",
        r"\([\w/ ,.;:&-]{1,40}\)",
        # Reader prompts.
        r"(got|do you have|have you got) a (story|news tip|tip)( to tell)?\??.{0,160}",
        r"would you like to comment on this (article|story)\??",
        r"(hat ihnen|did you (like|enjoy)|enjoyed) (dieser|this) (artikel|article|story)"
        r"( gefallen)?\?.{0,200}",
        # Paywall notices.
        r"il vous reste .{0,40} à lire\..{0,80}",
        r"(la suite est réservée aux abonnés|this (article|content) is for subscribers( only)?)"
        r"\.?.{0,80}",
    )
]

# Prompts recognised by a phrase anywhere in a short line: newsletters, following the
# site elsewhere, affiliate disclosures. Story sentences do not give these orders.
_PROMPT_PHRASE_RE = re.compile(
    r"\b((sign up|signing up) (for|to) our|subscribe to our|(to|in|into) your inbox|"
    r"straight to your (inbox|device)|(newsletter|kanal) abonnieren|abonniere den|"
    r"jetzt abonnieren|in ihr(em)? (private[ns]? )?postfach|melden sie sich (hier|jetzt)|"
    r"inscrivez-vous|abonnez-vous|suscríbete|suscríbase|"
    r"follow (us|[\w.]+( [\w.]+){0,2}) on (twitter|facebook|instagram|google news|x|linkedin|"
    r"tiktok|youtube|whatsapp)|(folgst du|folgen sie)( \w+){0,4} (auf|bei) "
    r"(whatsapp|twitter|facebook|instagram|x|google news)|"
    r"(may|might|could) earn (us )?(an? )?(affiliate )?commission|affiliate[- ]links?)\b",
    re.IGNORECASE,
)
_MAX_PROMPT_WORDS = 60
_MAX_BOILERPLATE_WORDS = 40

# Headings that introduce a list of links to other articles; the list goes with them.
_PROMO_HEADING_RE = re.compile(
    r"(mehr zum thema|auch interessant|das könnte sie auch interessieren|lesen sie auch|"
    r"weitere artikel|ähnliche artikel|ähnliche|empfehlungen|meistgelesen|"
    r"related|related articles|related stories|related content|more stories|more news|"
    r"you may also like|you might also like|recommended|recommended stories|most read|"
    r"read more|read next|more on this story|top stories|"
    r"à lire aussi|lire aussi|sur le même sujet|les plus lus|"
    r"te puede interesar|lee también|más noticias|lo más leído|noticias relacionadas)\s*:?",
    re.IGNORECASE,
)
# A sentence that ends in a colon and offers other articles ("You might also like:",
# "Mehr zum Thema finden Sie im Zins-Check:") introduces a list of links too.
_PROMO_LEAD_IN_RE = re.compile(
    r"\b(you (may|might|could|will) also (like|love|enjoy|be interested)|"
    r"(might|may) also (be )?interest|"
    r"other (posts|articles|stories)|(more|recent|latest) (posts|articles|stories) (by|from)|"
    r"mehr zum thema|lesen sie (auch|mehr)|(könnte|dürfte) sie (auch )?interessieren|"
    r"weitere artikel|à lire aussi|lire aussi|sur le même sujet|te puede interesar|"
    r"lee también|noticias relacionadas)\b[^.!?]*:$",
    re.IGNORECASE,
)
_MAX_LEAD_IN_WORDS = 20
_LIST_ITEM_PREFIX = ("- ", "• ", "* ")
# The headline is looked for among the first lines of the text, above the first paragraph
# of this many words.
_HEADLINE_LINES = 5
_STORY_WORDS = 15
_MAX_KICKER_WORDS = 6


def is_boilerplate_line(line: str) -> bool:
    """True if `line`, as a whole, is a promo, comment heading or other leftover."""
    stripped = " ".join(line.split())
    words = count_words(stripped)
    if words <= _MAX_PROMO_WORDS and _PROMO_LINE_RE.match(stripped):
        return True
    if words <= _MAX_PROMPT_WORDS and _PROMPT_PHRASE_RE.search(stripped):
        return True
    if words > _MAX_BOILERPLATE_WORDS:
        return False
    return any(rule.fullmatch(stripped) for rule in _BOILERPLATE_LINE_RES)


def clean_lines(lines: list[str], headlines: tuple[str, ...] = ()) -> list[str]:
    """The lines of an extracted text without boilerplate lines, blank lines, the
    headline repeated at the top (any of `headlines`), and the link lists that follow a
    promo heading ("Mehr zum Thema", "Related")."""
    kept: list[str] = []
    in_promo_list = False
    before_story = True  # the headline is looked for above the first story paragraph
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if in_promo_list and stripped.startswith(_LIST_ITEM_PREFIX):
            continue
        in_promo_list = _introduces_promo_list(" ".join(stripped.split()))
        if in_promo_list or is_boilerplate_line(stripped):
            continue
        if before_story and _is_headline(stripped, headlines):
            continue
        kept.append(stripped)
        before_story = len(kept) < _HEADLINE_LINES and count_words(stripped) < _STORY_WORDS
    return kept


def _introduces_promo_list(line: str) -> bool:
    """True if `line` heads a list of links to other articles: a promo heading ("Related",
    "Mehr zum Thema") or a short promo sentence ending in a colon ("You may also like:")."""
    if _PROMO_HEADING_RE.fullmatch(line):
        return True
    return count_words(line) <= _MAX_LEAD_IN_WORDS and bool(_PROMO_LEAD_IN_RE.search(line))


def _is_headline(line: str, headlines: tuple[str, ...]) -> bool:
    """True if `line` is the headline, alone or after a short kicker ("Kicker: Headline")."""
    key = word_key(line)
    for headline in headlines:
        headline_key = word_key(headline)
        if not headline_key:
            continue
        if key == headline_key:
            return True
        extra_words = count_words(line) - count_words(headline)
        if key.endswith(headline_key) and extra_words <= _MAX_KICKER_WORDS:
            return True
    return False


# Script, style and data text: what a page's JavaScript, CSS or JSON reads like when an
# extractor takes it for prose (`document.write(...)` tooltips, inline config objects,
# style rules, JSON-LD). Code characters are those prose seldom uses. Strong idioms are
# those of page scripts and style sheets, which prose does not write; weak ones
# (`&&`, `if (`) occur in prose too ("Rock && Roll") and count only in numbers.
_CODE_CHARS = frozenset("{}();=<>[]$\\|&+*")
_STRONG_CODE_RE = re.compile(
    r"\bfunction\s*[\w$]*\s*\(|\b(var|let|const)\s+[\w$]+\s*=|"
    r"\b(document|window|navigator)\.[a-zA-Z]\w*|\bjQuery\b|\$\(|\)\s*=>|"
    r"\.(push|addEventListener|getElementById|querySelector(All)?|innerHTML|createElement|"
    r"setAttribute|appendChild)\b|"
    r"@media\b|@font-face\b|@import\b|!important\b|"
    r"[#.]?[\w-]+\s*\{\s*[\w-]+\s*:[^;{}]*;|\b[a-z-]+\s*:\s*[^;{}:]{1,40};\s*[a-z-]+\s*:"
)
_WEAK_CODE_RE = re.compile(
    r"=>|\breturn\b(?=[^.!?]*;\s*$)|\bnew\s+[A-Z]\w*\(|\btypeof\b|===|!==|&&|\|\||"
    r"\bif\s*\(|;\s*$|[{}]\s*$|^\s*[{}]"
)
# A line of these characters only, with one of the first, is what is left of code.
_CODE_PUNCTUATION = frozenset("{}();=")
_CODE_LEFTOVER = _CODE_CHARS | frozenset(",;:.'\" ")
_JSON_START = ("{", "[")
_JSON_END = ("}", "]", "};", "];")
_JSON_KEY_RE = re.compile(r'"[\w@$ -]{1,40}"\s*:')
_MIN_JSON_KEYS = 2
# A line with a strong idiom and this share of code characters is code, and so is a line
# with this many idioms of either kind and half that share.
_MIN_CODE_SHARE = 0.06
_MANY_CODE_IDIOMS = 4
_MIN_CODE_CHARS = 12


def is_code_line(line: str) -> bool:
    """True if `line` is JavaScript, CSS or JSON rather than text for a reader."""
    stripped = line.strip().removeprefix("- ").strip()
    if set(stripped) & _CODE_PUNCTUATION and set(stripped) <= _CODE_LEFTOVER:
        return True  # "});", "}", "];" left between code lines
    if len(stripped) < _MIN_CODE_CHARS:
        return False
    if (
        stripped.startswith(_JSON_START)
        and stripped.endswith(_JSON_END)
        and len(_JSON_KEY_RE.findall(stripped)) >= _MIN_JSON_KEYS
    ):
        return True
    # The share of code characters among the visible ones, counted first: it is cheap,
    # and prose has too few of them for either rule below whatever its idioms.
    visible = len("".join(stripped.split()))
    share = sum(map(stripped.count, _CODE_CHARS)) / visible
    if share < _MIN_CODE_SHARE / 2:
        return False
    strong = len(_STRONG_CODE_RE.findall(stripped))
    idioms = strong + len(_WEAK_CODE_RE.findall(stripped))
    if not strong and idioms < _MANY_CODE_IDIOMS:
        return False
    if strong and share >= _MIN_CODE_SHARE:
        return True
    # Many idioms, and code characters at least at half the rate: a long line of prose
    # ("returns", "if (") has few.
    return idioms >= _MANY_CODE_IDIOMS and share >= _MIN_CODE_SHARE / 2
