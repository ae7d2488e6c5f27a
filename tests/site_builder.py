"""Small news sites for end-to-end crawl tests: a bank of stories written for the tests,
page templates in two looks (a modern theme with header, sidebar and footer, and an
old table-and-`<font>` layout with no metadata at all), a writer that puts a page at its
URL under a folder, and a request handler that serves query-string and extensionless
URLs and records the status of every response."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from newsarchive.demo.server import SiteRequestHandler, SiteServer

__all__ = [
    "CHINESE_STORY",
    "JAPANESE_STORY",
    "STORIES",
    "ModernSite",
    "RoutedHandler",
    "Story",
    "old_style_article",
    "old_style_listing",
    "responses",
    "routed_handler",
    "write_page",
    "write_robots",
]

ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\n"


@dataclass(frozen=True)
class Story:
    """One news story: its headline, byline and paragraphs."""

    title: str
    author: str
    paragraphs: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The story's first sentence, as a listing's teaser shows it."""
        first = self.paragraphs[0]
        return first.split(". ", 1)[0].rstrip(".") + "."


STORIES: tuple[Story, ...] = (
    Story(
        "Riverside bridge to close for six weeks of repairs",
        "Laura Benning",
        (
            "The Harlan Street bridge over the Mill River will close to all traffic from June 2"
            " while crews replace its corroded deck joints, the county roads department said on"
            " Thursday. Officials expect the work to last six weeks, although they warned that"
            " wet weather in early summer could push the reopening back by several days.",
            "Drivers will be sent along a signed detour through Oak Avenue and the industrial"
            " estate, adding roughly ten minutes to a typical crossing at rush hour. The"
            " department said it would adjust signal timings at three junctions on the route to"
            " keep queues from backing up onto the highway ramps during the morning peak.",
            "Engineers first flagged the joints during a routine inspection last autumn, when"
            " they found water seeping through gaps and staining the steel girders below. A"
            " report presented to county commissioners in January rated the structure as safe"
            " for now but said that repairs could not reasonably be postponed beyond the current"
            " construction season.",
            "Shop owners on the east bank said they were worried about losing passing trade."
            " Maria Kessler, who runs a bakery two blocks from the bridge, said most of her early"
            " customers were commuters heading into town. She asked the county to put up signs"
            " telling drivers that businesses near the closure remained open as usual.",
            "Pedestrians and cyclists will still be able to cross on a temporary walkway along"
            " the northern edge of the bridge, except on two weekends when cranes lift the new"
            " joints into place. The roads department said it would publish those dates at least"
            " a week in advance on its website and in local libraries.",
        ),
    ),
    Story(
        "High school robotics team heads to national finals",
        "Marcus Hale",
        (
            "A team of eleven students from Westfield High School has qualified for the national"
            " robotics championship after their machine won the regional final in Dayton on"
            " Saturday. The robot, which the students nicknamed Turnip, stacked more crates in"
            " the deciding round than any other entry, beating a team that had been unbeaten all"
            " season.",
            "The students built the robot over fourteen weeks in a converted storage room next to"
            " the school gym, often staying until nine in the evening. Their coach, physics"
            " teacher Daniel Okafor, said the group had rebuilt the lifting arm three times after"
            " early versions kept jamming when the crates were stacked more than four high.",
            "Getting to the finals in Houston will cost about eighteen thousand dollars for"
            " travel, hotel rooms and shipping the robot in a padded crate. The team has started"
            " an online fundraiser and plans a car wash in the school parking lot next weekend."
            " Two local engineering firms have already offered to cover part of the bill.",
            "Senior Priya Raman, who wrote most of the robot's control software, said the victory"
            " still felt unreal. She said the team had nearly withdrawn from the regional event"
            " after a motor burned out during practice, and that a parent drove two hours to"
            " collect a replacement part the night before the competition began.",
            "The national championship runs for four days in late April and draws more than four"
            " hundred teams from across the country. Westfield last reached the finals in 2011,"
            " when it finished in the top twenty. Mr Okafor said this year's students had set"
            " themselves a more ambitious target but declined to say what it was.",
        ),
    ),
    Story(
        "Council approves plan to turn old rail yard into park",
        "Nadia Ferreira",
        (
            "City councillors voted seven to two on Tuesday night to turn the disused Carver"
            " Street rail yard into a public park with playing fields, a skate area and a network"
            " of walking paths. The decision ends nearly a decade of argument over the site,"
            " which has stood empty since the freight company moved its depot out of town.",
            "The plan approved by the council keeps the old brick engine shed, which will be"
            " restored and used as a community hall and cafe. A row of rusting sidings will be"
            " left in place as a reminder of the yard's history, with wildflower beds planted"
            " between the rails and benches set along the former loading platform.",
            "Cleaning up the ground will be the most expensive part of the project. Soil tests"
            " found traces of diesel and heavy metals across much of the site, and contractors"
            " will have to remove the top layer of earth before anything can be planted. The city"
            " estimates the cleanup alone will cost about four million dollars.",
            "The two councillors who voted against the plan said they supported a park in"
            " principle but wanted part of the land set aside for affordable housing. Councillor"
            " Ruth Delaney said the city had missed a rare chance to build homes close to the town"
            " centre, and she promised to raise the matter again during next year's budget talks.",
            "Work is expected to begin next spring, with the first playing fields open by the"
            " summer of the following year. Residents will be invited to a series of workshops in"
            " the autumn to help choose the design of the playground and to suggest a name for"
            " the park, which for now is known simply as the Carver Street project.",
        ),
    ),
    Story(
        "Farmers count cost of late frost as orchards lose blossom",
        "Tom Aldridge",
        (
            "Fruit growers across the valley are assessing the damage after temperatures dropped"
            " to four degrees below freezing on Sunday night, just as apple and cherry trees were"
            " in full blossom. Several orchards reported losing more than half of their flowers,"
            " and some growers said it was the worst spring frost they could remember.",
            "At the Lindqvist family orchard outside Millbrook, workers lit burners between the"
            " rows and ran large fans through the night to keep cold air from settling on the"
            " trees. Owner Erik Lindqvist said the measures saved the blossom on the higher"
            " ground but that the lower fields, where cold air pools, were badly hit.",
            "The county agricultural extension office said it was too early to give a firm"
            " estimate of the losses, because some damaged blossoms can still set fruit. Its"
            " advisers will visit farms over the next two weeks to examine the flowers, and they"
            " asked growers to report damage so that the county can apply for state disaster"
            " assistance.",
            "Cherries are expected to suffer most because the trees flowered early after a warm"
            " March. Growers who sell at farmers markets said they might have little fruit to"
            " offer this summer, and some have already told customers that their pick-your-own"
            " days in June are likely to be cancelled or cut back sharply this year.",
            "Local food banks, which receive surplus apples from several orchards each autumn,"
            " said they were worried about supplies later in the year. The director of the"
            " Millbrook Community Pantry said the organisation would look for other donors and"
            " urged residents who grow fruit in their own gardens to share any extra with"
            " neighbours.",
        ),
    ),
    Story(
        "Library extends opening hours after readers' petition",
        "Grace Whitfield",
        (
            "The central library on Market Square will stay open until eight in the evening on"
            " weekdays from next month, after more than two thousand residents signed a petition"
            " asking for longer hours. The library currently closes at six, which users said made"
            " it hard for people with full-time jobs to borrow books or use the computers.",
            "The library board agreed to the change at its monthly meeting on Wednesday after the"
            " city found money in its budget to hire two extra part-time staff. The board's"
            " chair, Helen Marsh, said the petition had shown how many people relied on the"
            " building, not only for books but for a quiet place to study.",
            "The petition was started in January by Tomasz Nowak, a nursing student who said he"
            " regularly arrived at the library after his shifts to find the doors already locked."
            " He collected signatures outside the building on Saturday mornings and at the bus"
            " station, and he said he was surprised by how quickly support grew.",
            "The longer hours will be tried for six months before the board decides whether to"
            " make them permanent. Staff will count visitors in the evening and survey users about"
            " which services they need most after work. The library will also run homework help"
            " sessions for secondary school pupils on Tuesday and Thursday evenings.",
            "Branch libraries in the suburbs will keep their current hours for now. The board"
            " said it would consider extending them too if the trial in the town centre proves"
            " popular, but it warned that doing so would need more money from the city, which is"
            " already facing pressure on its budget from rising energy costs.",
        ),
    ),
    Story(
        "Hospital opens new emergency wing after two-year build",
        "Samuel Greer",
        (
            "St Anne's Hospital opened its new emergency department to patients on Monday"
            " morning, replacing a cramped unit that had been in use since the nineteen seventies."
            " The new wing has thirty-two treatment bays, twice as many as before, and a separate"
            " waiting area for children that is staffed by its own team of nurses.",
            "Hospital managers said the old department had struggled to cope with rising numbers"
            " of patients, especially during winter. On the busiest days, people waited on"
            " trolleys in corridors because there was no space in the treatment rooms. Staff said"
            " the new layout would let them see patients faster and keep the most seriously ill"
            " close to resuscitation bays.",
            "The building cost sixty-one million dollars, paid for by a state grant and a"
            " fundraising campaign that collected donations from thousands of local residents and"
            " businesses. A plaque in the entrance hall lists the names of donors, including a"
            " group of retired nurses who raised money by selling cakes outside the hospital"
            " every Friday.",
            "Ambulance crews will use a new covered bay at the rear of the wing, which has room"
            " for six vehicles at once. Paramedics said the old entrance, which they shared with"
            " walk-in patients, was often blocked during busy periods. The new bay also has a"
            " direct lift to the operating theatres and the intensive care unit.",
            "The old emergency department will be refurbished over the next year and turned into"
            " a day surgery unit. Hospital chief executive Andrea Collins thanked staff for"
            " keeping the department running during construction, which at times meant working"
            " around noise, dust and temporary walls, and she said the new wing was built for the"
            " next fifty years.",
        ),
    ),
    Story(
        "Volunteers clear tonnes of rubbish from lakeshore",
        "Iris Calloway",
        (
            "More than three hundred volunteers spent Saturday clearing litter from the shores of"
            " Lake Marren, collecting what organisers estimated was close to four tonnes of"
            " rubbish. The clean-up, now in its sixth year, drew families, school groups and"
            " members of the rowing club, who used their boats to reach stretches of shoreline"
            " that cannot be reached on foot.",
            "Plastic bottles and food wrappers made up most of what was collected, but volunteers"
            " also hauled out two shopping trolleys, a rusted bicycle and part of a wooden jetty"
            " that had broken away during the winter storms. A team of divers from the local"
            " sub-aqua club searched the shallows near the public beach and recovered several old"
            " fishing nets.",
            "The event was organised by Friends of Lake Marren, a charity that looks after the"
            " paths and picnic areas around the water. Its chairman, Gareth Hughes, said the"
            " amount of rubbish had fallen since the first clean-up, which he put down to more"
            " bins on the footpaths and a campaign in schools about the harm litter does to"
            " wildlife.",
            "Ecologists say discarded fishing line is a particular danger to the swans and grebes"
            " that nest on the lake. Several birds have been found tangled in line in recent"
            " years, and the charity has installed collection tubes at popular fishing spots where"
            " anglers can drop off old line so that it can be recycled instead of thrown away.",
            "The county council provided skips and gloves for the day and will take the collected"
            " waste to a sorting centre, where as much of it as possible will be recycled."
            " Organisers said they planned a second, smaller clean-up in the autumn, after the"
            " summer season, when visitor numbers at the lake are at their highest.",
        ),
    ),
    Story(
        "Bus company adds night services on three routes",
        "Owen Prescott",
        (
            "Valley Transit will run buses through the night on three of its busiest routes from"
            " the start of next month, the company announced on Friday. The new services will"
            " leave the central bus station every hour between midnight and five in the morning,"
            " serving the hospital, the university campus and the industrial park on the northern"
            " edge of town.",
            "The company said it had decided to add the services after surveys showed growing"
            " numbers of shift workers struggling to get home late at night. Many hospital and"
            " warehouse staff currently rely on taxis, which can cost more than thirty dollars for"
            " a single journey to the outer suburbs, or on lifts from colleagues who live nearby.",
            "The night buses will be paid for by a two-year grant from the regional transport"
            " authority. The company will monitor how many passengers use them, and it said the"
            " services could be extended to other routes if demand is strong. Fares will be the"
            " same as during the day, and weekly passes will be valid on all night services.",
            "Drivers' union representatives welcomed the plan but said the company needed to make"
            " sure staff were safe on late shifts. The union has asked for screens to be fitted"
            " around drivers' cabs on the night buses and for a security patrol at the central bus"
            " station, which has seen several incidents of vandalism in the past year.",
            "Students at the university said the new services would make it easier to get home"
            " after evening classes and part-time jobs. The student union has campaigned for"
            " night buses for several years, and its president, Amara Osei, said the announcement"
            " showed that the company was finally listening to the people who use its buses every"
            " day.",
        ),
    ),
)

JAPANESE_STORY = Story(
    "桜の開花、平年より五日早く　気象台が発表",
    "佐藤 美咲",
    (
        "地方気象台は十二日、市内の公園にある標本木で桜の開花を確認したと発表した。平年より五日"
        "早く、昨年と比べても三日早い開花となった。三月に入ってから気温の高い日が続いたことが"
        "影響したとみられ、気象台は満開まで一週間ほどかかる見込みだとしている。",
        "開花が発表された公園では、朝から多くの市民が木の下に集まり、咲き始めた花を写真に収めて"
        "いた。近くに住む七十代の女性は「毎年この時期を楽しみにしている。今年は暖かいので早く"
        "咲くと思っていた」と話し、孫と一緒に枝先の花を見上げていた。",
        "市の観光課によると、公園では今月二十日から夜桜のライトアップを予定している。期間中は"
        "屋台の出店も認められるが、混雑を避けるため、例年より通路を広くとり、案内係を増やす"
        "という。ごみの持ち帰りへの協力も呼びかけている。",
        "一方、開花が早まったことで、週末に予定していた花見の日程を見直す団体も出ている。地元の"
        "商店会は、毎年恒例の桜まつりを一週間前倒しすることを決め、出演者や出店者との調整を"
        "急いでいる。会長は「花の見頃に合わせたい」と話した。",
        "気象台は、来週半ばには一時的に気温が下がり、雨が降る日もあると予想している。花が散るの"
        "が早まる可能性もあるため、担当者は「見頃は短くなるかもしれない。早めに出かけてほしい」"
        "と話している。満開の発表は改めて行う予定だ。",
    ),
)

CHINESE_STORY = Story(
    "城际铁路新线开通　两市通勤时间缩短至四十分钟",
    "王海燕",
    (
        "连接两座城市的城际铁路新线于本周一正式开通运营，首班列车早上六点整从南站驶出。新线全长"
        "约九十公里，沿途设有七个车站，列车最高时速达到每小时两百公里，两市之间的通勤时间由原来"
        "的一个半小时缩短至四十分钟左右。",
        "开通当天，不少市民专程赶来乘坐首班车。一位在邻市工作的工程师说，过去他每天要换乘两次"
        "公交车和一次长途大巴，单程需要将近两个小时。新线开通后，他可以多睡一会儿，下班后也有"
        "更多时间陪伴家人。",
        "铁路部门表示，新线初期每天开行列车六十对，早晚高峰期间每十五分钟就有一班车。票价按里程"
        "计算，全程二等座票价为三十五元，持通勤月票的乘客还可以享受一定折扣。车站内设置了自助"
        "售票机和人工窗口，方便老年乘客购票。",
        "为方便乘客换乘，两市公交公司调整了多条线路的走向，将公交站点延伸到新车站的出站口。部分"
        "车站还建设了停车场和自行车停放区，鼓励市民采用多种方式出行。交通部门表示，将根据客流"
        "情况继续优化公交接驳方案。",
        "当地经济学者认为，城际铁路的开通将进一步促进两市之间的人员往来和产业合作。沿线一些小"
        "城镇的房地产和商业也有望因此受益。不过，也有市民担心，新线开通后周边房价上涨，会给当地"
        "居民带来新的生活压力。",
    ),
)


def write_page(root: Path, path: str, text: str) -> None:
    """Write a page at URL `path` under `root` (a folder URL gets an `index.html`; any
    other path, with or without an extension, is written as that file)."""
    target = root / path.strip("/") / "index.html" if path.endswith("/") else root / path.strip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_robots(root: Path, text: str = ROBOTS_TXT) -> None:
    """A plain robots.txt that lists no sitemap."""
    write_page(root, "/robots.txt", text)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _links(links: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    return "".join(f'<li><a href="{_e(href)}">{_e(label)}</a></li>' for label, href in links)


@dataclass(frozen=True)
class ModernSite:
    """The look of a present-day news site: a header with the site's name and navigation,
    a main column, a sidebar (newsletter box, most-read list) and a footer."""

    name: str
    nav: tuple[tuple[str, str], ...]
    footer_links: tuple[tuple[str, str], ...] = ()
    lang: str = "en"
    labels: dict[str, str] = field(
        default_factory=lambda: {
            "newsletter": "Newsletter",
            "newsletter_text": "The morning briefing, in your inbox before seven every weekday.",
            "most_read": "Most read",
            "by": "By",
            "older": "Older stories",
            "copyright": "All rights reserved. Reproduction without permission is prohibited.",
        }
    )

    def page(
        self,
        title: str,
        main: str,
        *,
        head: str = "",
        most_read: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        lang: str | None = None,
        html_attrs: str = "",
    ) -> str:
        """A whole page around `main` (HTML of the main column)."""
        labels = self.labels
        sidebar_list = _links([(label, href) for href, label in most_read])
        return f"""<!DOCTYPE html>
<html lang="{lang or self.lang}"{html_attrs}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} | {_e(self.name)}</title>
{head}
</head>
<body>
<header class="site-header">
  <a class="site-logo" href="/">{_e(self.name)}</a>
  <nav class="primary-nav" aria-label="Main"><ul>{_links(self.nav)}</ul></nav>
</header>
<div class="layout">
<main id="content">
{main}
</main>
<aside class="sidebar">
  <section class="widget newsletter"><h3>{labels["newsletter"]}</h3>
    <p>{labels["newsletter_text"]}</p>
    <form action="#"><input type="email" name="email"><button>OK</button></form></section>
  <section class="widget most-read"><h3>{labels["most_read"]}</h3><ol>{sidebar_list}</ol>
  </section>
</aside>
</div>
<footer class="site-footer">
  <ul class="footer-links">{_links(self.footer_links)}</ul>
  <p>&copy; 2024 {_e(self.name)}. {labels["copyright"]}</p>
</footer>
</body>
</html>
"""

    def article(
        self,
        story: Story,
        *,
        published: str = "2024-04-12T08:30:00+00:00",
        section: str = "News",
        metadata: str = "full",
        canonical: str | None = None,
        most_read: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        lang: str | None = None,
        html_attrs: str = "",
    ) -> str:
        """An article page. `metadata` is "full" (JSON-LD NewsArticle, OpenGraph,
        `<article>` and `<time>`) or "json-ld" (a NewsArticle JSON-LD block only, the story
        in plain `<div>`s)."""
        json_ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": story.title,
                "datePublished": published,
                "author": {"@type": "Person", "name": story.author},
                "articleSection": section,
                "inLanguage": lang or self.lang,
                "publisher": {"@type": "Organization", "name": self.name},
            },
            ensure_ascii=False,
        )
        head = f'<script type="application/ld+json">{json_ld}</script>'
        if canonical:
            head += f'\n<link rel="canonical" href="{_e(canonical)}">'
        paragraphs = "\n".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
        byline = f"{self.labels['by']} {_e(story.author)}"
        if metadata == "full":
            head += (
                f'\n<meta property="og:type" content="article">'
                f'\n<meta property="og:title" content="{_e(story.title)}">'
                f'\n<meta property="article:published_time" content="{published}">'
            )
            main = f"""<article class="story">
<p class="kicker"><a href="#">{_e(section)}</a></p>
<h1>{_e(story.title)}</h1>
<p class="byline">{byline} &middot; <time datetime="{published}">{published[:10]}</time></p>
<div class="story-body">
{paragraphs}
</div>
<div class="share">Share this story: <a href="#">Facebook</a> <a href="#">Email</a></div>
</article>"""
        elif metadata == "json-ld":
            main = f"""<div class="story-page">
<div class="headline-block"><h1>{_e(story.title)}</h1>
<div class="byline">{byline}, {published[:10]}</div></div>
<div class="rich-text">
{paragraphs}
</div>
</div>"""
        else:
            raise ValueError(metadata)
        return self.page(
            story.title,
            main,
            head=head,
            most_read=most_read,
            lang=lang,
            html_attrs=html_attrs,
        )

    def listing(
        self,
        heading: str,
        items: list[tuple[str, Story]],
        *,
        next_page: str | None = None,
        extra_main: str = "",
        collection: bool = False,
        most_read: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        lang: str | None = None,
    ) -> str:
        """A home, section, tag or archive page: a teaser (headline link and first
        sentence) per story, and a link to the next page if any."""
        teasers = "\n".join(
            f'<li class="teaser"><h2><a href="{_e(href)}">{_e(story.title)}</a></h2>'
            f"<p>{_e(story.summary)}</p></li>"
            for href, story in items
        )
        more = (
            f'<nav class="pagination"><a rel="next" href="{_e(next_page)}">'
            f"{self.labels['older']}</a></nav>"
            if next_page
            else ""
        )
        head = '<meta property="og:type" content="website">'
        if collection:
            data = {"@context": "https://schema.org", "@type": "CollectionPage", "name": heading}
            head += f'\n<script type="application/ld+json">{json.dumps(data)}</script>'
        main = (
            f'<h1 class="section-title">{_e(heading)}</h1>\n'
            f'<ul class="teasers">\n{teasers}\n</ul>\n{more}\n{extra_main}'
        )
        return self.page(heading, main, head=head, most_read=most_read, lang=lang)

    def service_page(self, title: str, paragraphs: list[str]) -> str:
        """A short page about the publication (about, contact, advertising)."""
        body = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
        main = f'<div class="static-page"><h1>{_e(title)}</h1>{body}</div>'
        return self.page(title, main, head='<meta property="og:type" content="website">')


# The old look: a 2008 CMS with tables, <font> and no metadata of any kind. ----------

OLD_NAV = (
    ("Home", "/"),
    ("Local News", "/local.html"),
    ("Community", "/community.html"),
    ("Obituaries", "/obituaries.html"),
    ("Classifieds", "/classifieds.html"),
    ("Contact Us", "/contact.html"),
)


def _old_page(title: str, center: str) -> str:
    nav = " | ".join(
        f'<a href="{href}"><font color="#FFFFFF"><b>{label}</b></font></a>'
        for label, href in OLD_NAV
    )
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{_e(title)} - The Valley Courier</title>
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0">
<table width="780" border="0" cellpadding="0" cellspacing="0" align="center">
<tr><td colspan="3" bgcolor="#003366" height="60">
<font face="Georgia" size="6" color="#FFFFFF"><b>The Valley Courier</b></font><br>
<font face="Arial" size="1" color="#CCCCCC">Serving Millbrook and the Mill River valley
since 1921</font></td></tr>
<tr><td colspan="3" bgcolor="#336699"><font face="Arial" size="2">{nav}</font></td></tr>
<tr>
<td width="150" valign="top" bgcolor="#EEEEEE">
<font face="Arial" size="2"><b>Weather</b><br>Partly cloudy, high 68<br><br>
<b>Quick links</b><br><a href="/classifieds.html">Place a classified ad</a><br>
<a href="/subscribe.html">Subscribe to the paper</a><br>
<a href="/obituaries.html">Obituaries</a></font></td>
<td width="480" valign="top"><font face="Arial" size="2">
{center}
</font></td>
<td width="150" valign="top" bgcolor="#EEEEEE"><font face="Arial" size="1">
<b>Advertisement</b><br>Millbrook Hardware: spring sale on garden tools, this week
only.<br><br><b>Poll</b><br>Should the county build a second bridge?<br>
<a href="/poll.html">Vote now</a></font></td>
</tr>
<tr><td colspan="3" bgcolor="#003366" align="center"><font face="Arial" size="1"
color="#FFFFFF">Copyright &copy; 2008 The Valley Courier. All rights reserved.<br>
Questions or comments about this site? Write to the webmaster.</font></td></tr>
</table>
</body>
</html>
"""


def old_style_article(story: Story, posted: str) -> str:
    """An article of the old look: headline in `<font>`, a "Posted:" line, paragraphs in
    a table cell, no JSON-LD, no OpenGraph, no `<article>`, no `<time>`."""
    paragraphs = "\n".join(f"<p>{_e(p)}</p>" for p in story.paragraphs)
    center = f"""<font size="5" face="Georgia"><b>{_e(story.title)}</b></font><br>
<font size="1" color="#666666">By {_e(story.author)}, Courier Staff Writer<br>
Posted: {posted}</font>
<table width="100%" cellpadding="4"><tr><td>
{paragraphs}
</td></tr></table>
<font size="1"><a href="/email.html">E-mail this story</a> |
<a href="/print.html">Printer-friendly version</a></font>"""
    return _old_page(story.title, center)


def old_style_listing(heading: str, items: list[tuple[str, Story]]) -> str:
    """A home or section page of the old look: headline links with a one-line teaser."""
    rows = "\n".join(
        f'<tr><td><a href="{href}"><font size="3"><b>{_e(story.title)}</b></font></a><br>'
        f'<font size="2">{_e(story.summary)}</font></td></tr>'
        for href, story in items
    )
    center = f"""<font size="4" face="Georgia"><b>{_e(heading)}</b></font>
<table width="100%" cellpadding="6">
{rows}
</table>"""
    return _old_page(heading, center)


# Serving ---------------------------------------------------------------------------


class RoutedHandler(SiteRequestHandler):
    """Serves a site folder like `SiteRequestHandler`, plus: a request whose path and
    query string is a key of `routes` is answered with that file (so `/?page=2` and
    `/news/a01` can have pages of their own), files without an extension are HTML, and
    every response's status is recorded in `server.responses` as (path, status)."""

    routes: ClassVar[dict[str, str]] = {}

    def send_head(self):  # type: ignore[no-untyped-def]
        """Answer a routed path with its file."""
        target = self.routes.get(self.path.split("#", 1)[0])
        if target is not None:
            self.path = target
        return super().send_head()

    def guess_type(self, path):  # type: ignore[no-untyped-def]
        """HTML, in UTF-8, for `.html` and extensionless files."""
        if Path(str(path)).suffix in ("", ".html", ".htm"):
            return "text/html; charset=utf-8"
        return super().guess_type(path)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Record the path, as requested, and the status of the response."""
        super().log_request(code, size)
        path = self.requestline.split(" ")[1] if " " in self.requestline else self.path
        try:
            status = int(code)
        except (TypeError, ValueError):
            status = 0
        self.server.__dict__.setdefault("responses", []).append((path, status))


def routed_handler(routes: dict[str, str]) -> type[RoutedHandler]:
    """A `RoutedHandler` class serving `routes` (request path -> file path)."""
    return type("Routes", (RoutedHandler,), {"routes": dict(routes)})


def responses(server: SiteServer) -> list[tuple[str, int]]:
    """(path, status) of every response a `RoutedHandler` server sent, in order."""
    return list(getattr(server, "responses", []))
