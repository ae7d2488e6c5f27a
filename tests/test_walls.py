"""Tests for walls: consent walls and bot challenges are told apart from articles."""

import lxml.html

from crawler.pages.walls import wall_reason

CLOUDFLARE_CHALLENGE = """\
<!DOCTYPE html>
<html lang="en-US">
<head>
  <title>Just a moment...</title>
  <meta http-equiv="refresh" content="390">
  <style>body{font-family:system-ui,-apple-system,sans-serif}</style>
  <script>(function(){window._cf_chl_opt={cvId:'3',cZone:'www.example.com'};}());</script>
</head>
<body>
  <div class="main-wrapper"><div class="main-content">
    <h1 class="zone-name-title h1">www.example.com</h1>
    <h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
    <noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript>
    <div id="challenge-body-text" class="core-msg spacer">www.example.com needs to review the
      security of your connection before proceeding.</div>
  </div></div>
  <div class="footer"><div class="ray-id">Ray ID: <code>8a1b2c3d4e5f6a7b</code></div>
    <div class="text-center">Performance &amp; security by Cloudflare</div></div>
</body>
</html>
"""

CHALLENGE_BODY_ONLY = """\
<html><head><title>www.example.com</title></head>
<body><h1>Pardon Our Interruption</h1>
<p>As you were browsing something about your browser made us think you were a bot.</p>
<p>To regain access, please make sure that cookies and JavaScript are enabled.</p></body></html>
"""

CONSENT_WALL = """\
<!DOCTYPE html>
<html lang="en">
<head><title>Coastline News</title></head>
<body>
  <div class="consent-overlay">
    <h1>We value your privacy</h1>
    <p>We and our 842 partners store and/or access information on a device, such as cookies,
      and process personal data, such as unique identifiers, to personalise ads and content,
      measure ads and content, and develop and improve services.</p>
    <button>Accept all cookies</button>
    <button>Manage options</button>
  </div>
</body>
</html>
"""

GERMAN_CONSENT_WALL = """\
<!DOCTYPE html>
<html lang="de">
<head><title>Nachrichten aus dem Tal</title></head>
<body>
  <div class="cmp">
    <h2>Lesen Sie mit Werbung weiter</h2>
    <p>Wir und unsere Partner verarbeiten Ihre Daten, um Ihnen personalisierte Inhalte und
      Werbung anzuzeigen. Details finden Sie in unseren Datenschutzhinweisen.</p>
    <button>Zustimmen und weiter</button>
    <p>Oder werbefrei lesen mit dem Plus-Abo.</p>
  </div>
</body>
</html>
"""

PARAGRAPHS = [
    "The harbour ferry to Gull Island resumed its regular timetable on Friday morning after "
    "two days of cancellations caused by gale-force winds along the whole of the coast.",
    "The operator said the first crossing left at 7.15am with 40 passengers on board and that "
    "all later sailings were running on time, although the afternoon boat was close to full.",
    "Tickets bought for cancelled crossings remain valid until the end of December, a "
    "spokesperson said, and refunds can be requested at the harbour office until then.",
    "Islanders had been cut off since Wednesday evening, when waves of more than four metres "
    "were recorded at the harbour entrance and the coastguard advised against all sailings.",
    "The island's only shop said deliveries of bread and milk would arrive on the noon boat, "
    "and the school on the island will reopen on Monday as planned, the council confirmed.",
    "Forecasters expect calmer weather for the weekend, with winds easing to a moderate "
    "breeze by Saturday afternoon and no further storm warnings issued for the region.",
    "The council said it would review how the cancellations were announced after several "
    "passengers complained that they had learned of them only on arrival at the quay.",
    "A public meeting on the future of the ferry service is planned for the new year, when "
    "the operator's contract with the council comes up for renewal after ten years.",
    "Until then the operator has promised to post any changes to the timetable on the "
    "noticeboard at the quay as well as online, and to send text alerts to season ticket holders.",
]


def article_page(paragraphs: list[str], extra_body: str = "", title: str = "") -> str:
    """A news article page with the given paragraphs, a nav bar and a footer."""
    text = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"""\
<!DOCTYPE html>
<html lang="en">
<head>
  <title>{title or "Ferry service resumes after storm | Coastline News"}</title>
  <script>window.dataLayer = [{{"page": "article", "consent": "accept all cookies"}}];</script>
</head>
<body>
  <header><a href="/">Coastline News</a>
    <nav><a href="/news/">News</a> <a href="/local/">Local</a> <a href="/sport/">Sport</a></nav>
  </header>
  <main><article>
    <h1>Ferry service resumes after storm</h1>
    <p class="byline">By Mara Quint · 27 November 2026</p>
    {text}
  </article></main>
  {extra_body}
  <footer><a href="/imprint/">Imprint</a> · <a href="/privacy/">Privacy policy</a>
    · © 2026 Coastline News</footer>
</body>
</html>
"""


COOKIE_BANNER = """\
<div id="cookie-banner">We use cookies to improve your experience.
  <button>Accept all cookies</button> <a href="/cookies/">Cookie settings</a></div>
"""

CAPTCHA_PARAGRAPHS = [
    *PARAGRAPHS,
    "Booking online has also become harder: since the summer the operator's website asks every "
    "customer to solve a captcha before a ticket can be reserved, which older islanders say "
    "they find confusing. One resident said she was shown 'Access denied' three times.",
    "The operator said the captcha was introduced after automated bots bought up cheap "
    "tickets in bulk, and that it was looking at simpler ways to verify you are a human.",
]


def tree(page: str):
    """The lxml.html tree of a page."""
    return lxml.html.document_fromstring(page)


def test_cloudflare_challenge():
    """A Cloudflare "Just a moment..." interstitial is a bot challenge."""
    assert wall_reason(tree(CLOUDFLARE_CHALLENGE)) == "bot challenge"


def test_challenge_recognised_by_body_text():
    """A challenge whose title says nothing is recognised by its short text."""
    assert wall_reason(tree(CHALLENGE_BODY_ONLY)) == "bot challenge"


def test_consent_wall():
    """A short page asking to "Accept all cookies" is a consent wall."""
    assert wall_reason(tree(CONSENT_WALL)) == "consent wall"


def test_german_consent_wall():
    """A German "Zustimmen und weiter" page is a consent wall."""
    assert wall_reason(tree(GERMAN_CONSENT_WALL)) == "consent wall"


def test_consent_title_alone():
    """A near-empty page whose title is a consent prompt is a consent wall."""
    page = "<html><head><title>Before you continue to Coastline News</title></head><body></body>"
    assert wall_reason(tree(page)) == "consent wall"


def test_long_article_with_cookie_banner_is_not_a_wall():
    """A full article page that also shows a small cookie banner is a normal page."""
    page = article_page(PARAGRAPHS, extra_body=COOKIE_BANNER)
    assert wall_reason(tree(page)) is None


def test_long_article_mentioning_captcha_is_not_a_wall():
    """A long story about captchas and "access denied" is not a bot challenge."""
    page = article_page(CAPTCHA_PARAGRAPHS, title="Ferry bookings: captcha confuses islanders")
    assert wall_reason(tree(page)) is None


def test_short_article_is_not_a_wall():
    """A short article with no wall phrases in it is a normal page."""
    assert wall_reason(tree(article_page(PARAGRAPHS[:2]))) is None


def test_script_text_does_not_count():
    """Wall phrases inside <script> are not page text (the article pages carry one)."""
    page = article_page(PARAGRAPHS[:1])
    assert "accept all cookies" in page
    assert wall_reason(tree(page)) is None


def test_short_article_with_cookie_settings_footer_link_is_not_a_wall():
    """A short news brief whose footer has the usual "Cookie settings" link is an article.

    Many sites put such a link in every page footer; a brief of a few paragraphs must still
    be archived, not reported as a consent wall."""
    footer_link = '<p class="legal"><a href="#" class="cmp-open">Cookie settings</a></p>'
    page = article_page(PARAGRAPHS[:3], extra_body=footer_link)
    assert wall_reason(tree(page)) is None
