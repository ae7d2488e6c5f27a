"""Languages written without spaces between words (Japanese, Chinese, Thai) and Korean:
their articles are extracted and measured like any other, their menus still are not
articles, and their paragraphs get block fingerprints."""

from __future__ import annotations

import json

import pytest
from lxml.html import fromstring

from pipelines.extraction.core import MIN_PARAGRAPH_WORDS, extract_article
from pipelines.extraction.line_rules import clean_lines
from pipelines.extraction.site_blocks import fingerprint, page_blocks
from pipelines.extraction.standfirst import find_standfirst
from pipelines.extraction.words import count_words, word_key, word_phrase

JAPANESE = [
    "気象庁によりますと、前線の影響で西日本を中心に大気の状態が非常に不安定になり、"
    "九州北部では二日夜から三日朝にかけて、一時間に五十ミリ以上の非常に激しい雨が降りました。",
    "福岡県久留米市では、三日午前六時までの二十四時間に降った雨の量が三百ミリを超え、"
    "七月の平年一か月分の雨量を上回りました。市内では道路の冠水が相次いでいます。",
    "市の災害対策本部は、筑後川の支流の水位が上がっているとして、午前五時すぎに"
    "流域のおよそ二千世帯に避難指示を出し、近くの小学校など十か所に避難所を開設しました。",
    "気象庁は、四日にかけても局地的に雷を伴った激しい雨が降るおそれがあるとして、"
    "土砂災害や低い土地の浸水、河川の増水に警戒するよう呼びかけています。",
]
CHINESE = [
    "据新华社报道，今年上半年全国铁路累计发送旅客二十一亿人次，同比增长百分之十一，"
    "创历史同期新高，其中高速铁路发送旅客占比超过百分之七十。",
    "国铁集团有关负责人表示，暑运期间将加开旅客列车一千二百余列，重点增加北京、上海、"
    "广州等大城市往返热门旅游城市的运力，并优化夜间高铁的开行方案。",
    "为方便旅客出行，铁路部门在全国五百多个车站推出电子客票改签和退票服务，"
    "旅客可以通过手机客户端办理，无需前往车站窗口排队。",
    "专家分析认为，铁路客运量持续回升，反映出国内消费需求逐步恢复，"
    "旅游和探亲出行成为拉动客流增长的主要因素。",
]
KOREAN = [
    "서울시는 오는 9월부터 시내버스와 지하철을 한 달 동안 무제한으로 이용할 수 있는 "
    "통합 정기권을 시범 운영한다고 3일 밝혔다.",
    "정기권 가격은 월 6만 5천 원으로 책정됐으며, 서울 시내에서 운행하는 모든 지하철과 "
    "시내버스, 마을버스, 공공자전거 따릉이까지 이용할 수 있다.",
    "시는 시범 운영 기간 동안 하루 평균 이용자 수와 교통비 절감 효과를 분석한 뒤 "
    "내년 상반기에 본격적인 도입 여부를 결정할 계획이다.",
    "시 관계자는 대중교통 이용을 늘려 온실가스 배출을 줄이고 시민들의 교통비 부담을 "
    "덜어 주기 위한 정책이라고 설명했다.",
]
THAI = [
    "กรมอุตุนิยมวิทยาประกาศเตือนว่าในช่วงสามวันข้างหน้าจะมีฝนตกหนักถึงหนักมาก"
    "ในหลายจังหวัดของภาคเหนือและภาคตะวันออกเฉียงเหนือ",
    "ประชาชนที่อาศัยอยู่บริเวณเชิงเขาและริมแม่น้ำควรระวังอันตรายจากน้ำป่าไหลหลากและน้ำท่วมฉับพลัน "
    "โดยเฉพาะในพื้นที่ที่เคยเกิดน้ำท่วมมาแล้ว",
    "ผู้ว่าราชการจังหวัดเชียงใหม่สั่งการให้หน่วยงานที่เกี่ยวข้องเตรียมเครื่องสูบน้ำ"
    "และเรือท้องแบนไว้ให้พร้อมสำหรับช่วยเหลือประชาชน",
    "นอกจากนี้ยังได้เปิดศูนย์พักพิงชั่วคราวจำนวนสิบแห่งในอำเภอที่มีความเสี่ยงสูงเพื่อรองรับผู้ที่ต้องอพยพออกจากบ้าน",
]


def _page(lang: str, headline: str, paragraphs: list[str], chrome: dict[str, str]) -> str:
    """An article page as news sites mark them up: a header menu, JSON-LD, the article
    with its headline, date and paragraphs, a related-links box and a footer."""
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": headline,
            "datePublished": "2024-07-03T08:30:00+09:00",
        },
        ensure_ascii=False,
    )
    menu = "".join(f"<li><a href='/{n}/'>{item}</a></li>" for n, item in enumerate(chrome["menu"]))
    related = "".join(
        f"<li><a href='/news/{n}/'>{item}</a></li>" for n, item in enumerate(chrome["related"])
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{headline} | {chrome["site"]}</title>
<meta property="og:type" content="article">
<script type="application/ld+json">{ld}</script></head>
<body><header><a class="logo" href="/">{chrome["site"]}</a>
<nav class="global-nav"><ul>{menu}</ul></nav></header>
<main><article class="article"><h1 class="article-title">{headline}</h1>
<time datetime="2024-07-03T08:30:00+09:00">2024-07-03 08:30</time>
<div class="article-body">{body}</div>
<aside class="related"><h2>{chrome["related_heading"]}</h2><ul>{related}</ul></aside>
</article></main>
<footer><ul><li><a href="/about/">{chrome["about"]}</a></li>
<li><a href="/privacy/">{chrome["privacy"]}</a></li></ul>
<p>© 2024 {chrome["site"]}</p></footer></body></html>"""


JAPANESE_CHROME = {
    "site": "みなと新聞",
    "menu": ["トップ", "社会", "政治", "経済", "国際", "スポーツ", "天気・災害"],
    "related": [
        "九州北部で線状降水帯が発生 各地で避難指示",
        "梅雨前線が停滞 週末にかけて大雨のおそれ",
    ],
    "related_heading": "関連記事",
    "about": "会社概要",
    "privacy": "プライバシーポリシー",
}
PAGES = {
    "ja": (
        "九州北部で記録的な大雨 久留米市で避難指示",
        JAPANESE,
        JAPANESE_CHROME,
    ),
    "zh": (
        "上半年全国铁路发送旅客创同期新高",
        CHINESE,
        {
            "site": "海港日报",
            "menu": ["首页", "国内", "国际", "财经", "科技", "体育"],
            "related": ["暑运首日全国铁路发送旅客一千五百万人次", "多地高铁站推出便民服务"],
            "related_heading": "相关新闻",
            "about": "关于我们",
            "privacy": "隐私政策",
        },
    ),
    "ko": (
        "서울시, 9월부터 대중교통 통합 정기권 시범 운영",
        KOREAN,
        {
            "site": "항구일보",
            "menu": ["홈", "정치", "경제", "사회", "국제", "스포츠"],
            "related": ["서울 지하철 요금 인상 확정", "마을버스 노선 개편 추진"],
            "related_heading": "관련 기사",
            "about": "회사 소개",
            "privacy": "개인정보처리방침",
        },
    ),
    "th": (
        "กรมอุตุฯ เตือนฝนตกหนักภาคเหนือ",
        THAI,
        {
            "site": "ข่าวท่าเรือ",
            "menu": ["หน้าแรก", "การเมือง", "เศรษฐกิจ", "ต่างประเทศ", "กีฬา"],
            "related": ["น้ำท่วมเชียงรายยังวิกฤต", "เตรียมรับมือพายุลูกใหม่"],
            "related_heading": "ข่าวที่เกี่ยวข้อง",
            "about": "เกี่ยวกับเรา",
            "privacy": "นโยบายความเป็นส่วนตัว",
        },
    ),
}
# Characters of the story per word counted: about two for Japanese and Chinese, about four
# for Thai; Korean has spaces between words.
CHARS_PER_WORD = {"ja": (1.5, 2.5), "zh": (1.5, 2.5), "th": (3.0, 5.0)}


def _chars(paragraphs: list[str]) -> int:
    return sum(len("".join(p.split())) for p in paragraphs)


# Counting words -------------------------------------------------------------------------


def test_count_words_is_str_split_for_spaced_text():
    """English, German and Korean text count exactly as `len(text.split())`, and so do
    its words in a text that also holds Chinese or Japanese."""
    for text in (
        "Council members voted on Monday — 7 to 2 — to repair the benches.",
        "Die Stadtwerke München erhöhen die Preise für Fernwärme zum 1. Januar um 8,5 %.",
        " ".join(KOREAN),
        "",
        " \n ",
    ):
        assert count_words(text) == len(text.split())
        assert count_words(f"{text} 東京") == len(text.split()) + 1


def test_count_words_counts_unspaced_scripts_by_characters():
    """Chinese and Japanese count a word per two characters, Thai per four, rounded up per
    run; punctuation does not count, Latin words inside count one each."""
    assert count_words("東京都") == 2
    assert count_words("東京都で大雨。") == 3
    assert count_words("「東京」、") == 1
    assert count_words("iPhone 15を発表した") == 1 + 1 + 3
    assert count_words("Tokyo — 東京 | Osaka") == 1 + 1 + 1 + 1 + 1
    assert count_words("ประเทศไทย") == 3
    assert count_words("会社概要・採用情報") == 4
    assert count_words(JAPANESE[0]) == pytest.approx(len(JAPANESE[0]) / 2, rel=0.1)


def test_one_cjk_sentence_is_a_paragraph_but_a_menu_label_is_not():
    """A sentence passes the article-paragraph minimum; a menu label does not."""
    sentence = "市の災害対策本部は、流域の住民に避難指示を出しました。"
    assert count_words(sentence) >= MIN_PARAGRAPH_WORDS
    for label in ("プライバシーポリシー", "天気・災害", "关于我们联系我们", "นโยบายความเป็นส่วนตัว"):
        assert count_words(label) < MIN_PARAGRAPH_WORDS


# Extraction -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(PAGES))
def test_article_in_unspaced_or_korean_script_is_extracted(lang: str):
    """The text is the story paragraphs, without the menus, related links and footer, and
    the word count fits the language's length of a word."""
    headline, paragraphs, chrome = PAGES[lang]
    article = extract_article(_page(lang, headline, paragraphs, chrome), f"https://x.{lang}/a/")
    assert article is not None
    assert article.text.split("\n\n") == paragraphs  # nothing of the menus or related links
    if lang == "ko":
        assert article.word_count == len(" ".join(paragraphs).split())
    else:
        low, high = CHARS_PER_WORD[lang]
        assert _chars(paragraphs) / high <= article.word_count <= _chars(paragraphs) / low


def test_japanese_navigation_page_is_not_an_article():
    """A Japanese section page with menus and headline links only has no article text."""
    links = "".join(
        f"<li><a href='/news/{n}/'>{headline}</a></li>"
        for n, headline in enumerate(
            [
                "九州北部で記録的な大雨 久留米市で避難指示",
                "梅雨前線が停滞 週末にかけて大雨のおそれ",
                "東京都知事選 きょう告示 過去最多の候補者",
                "日銀 金融政策決定会合で利上げを見送り",
                "プロ野球 セ・リーグ首位攻防戦は雨天中止",
            ]
        )
    )
    menu = "".join(
        f"<li><a href='/{n}/'>{m}</a></li>" for n, m in enumerate(JAPANESE_CHROME["menu"])
    )
    html = f"""<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<title>社会 | みなと新聞</title></head>
<body><header><a href="/">みなと新聞</a><nav><ul>{menu}</ul></nav></header>
<main><h1>社会</h1><section><h2>最新ニュース</h2><ul>{links}</ul></section>
<section><h2>ランキング</h2><ol>{links}</ol></section></main>
<footer><ul><li><a href="/about/">会社概要</a></li>
<li><a href="/privacy/">プライバシーポリシー</a></li>
<li><a href="/contact/">お問い合わせ</a></li></ul><p>© 2024 みなと新聞</p></footer></body></html>"""
    assert extract_article(html, "https://x.ja/shakai/") is None


def test_cjk_story_paragraph_that_ends_like_the_headline_is_kept():
    """The headline is looked for above the story only: a story paragraph that ends with
    the headline's words is not taken for a headline with a kicker."""
    headline = "久留米市で避難指示"
    lines = [headline, JAPANESE[0], JAPANESE[1] + headline]
    assert clean_lines(lines, (headline,)) == [JAPANESE[0], JAPANESE[1] + headline]


def test_japanese_description_shown_under_the_headline_is_the_standfirst():
    """A Japanese lead sentence is long enough to be a standfirst."""
    lead = "九州北部は二日夜から記録的な大雨となり、久留米市で避難指示が出されました。"
    tree = fromstring(f"<html><body><h1>大雨</h1><p class='lead'>{lead}</p></body></html>")
    assert find_standfirst(tree, [lead]) == lead


# Fingerprints ---------------------------------------------------------------------------


@pytest.mark.parametrize("paragraphs", [JAPANESE, CHINESE, KOREAN, THAI])
def test_cjk_paragraphs_get_distinct_fingerprints(paragraphs: list[str]):
    """Each paragraph has a fingerprint of its own, the same whatever its spacing."""
    blocks = page_blocks("\n\n".join(paragraphs))
    assert list(blocks.values()) == paragraphs
    assert all(fingerprint(p) is not None for p in paragraphs)
    assert fingerprint(paragraphs[0]) == fingerprint(" " + paragraphs[0].replace("、", "、 "))


def test_word_key_and_phrase_keep_cjk_words():
    """Keys of CJK text keep its characters, without the punctuation."""
    assert word_key("九州北部で大雨、避難指示") == "九州北部で大雨避難指示"
    assert word_phrase("「九州北部で大雨」 避難指示") == "九州北部で大雨 避難指示"
