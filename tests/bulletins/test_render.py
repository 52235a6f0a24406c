"""Rendering: every day of a leap year in every format within WeChat's limits, the date lines, trimming."""

from __future__ import annotations

import string
from datetime import date, timedelta

import pytest
from lunar_python import Solar

from handlers.bulletins import texts
from handlers.bulletins.calendar import Bulletin, Kind, Series, bulletin_for, parse_series
from handlers.bulletins.render import (
    MARKDOWN_LIMIT,
    NEWS_DESCRIPTION_LIMIT,
    NEWS_TITLE_LIMIT,
    TEXT_LIMIT,
    Format,
    NewsArticle,
    cut_to_bytes,
    date_line,
    lunar_date,
    render,
    render_markdown,
    render_news,
    render_text,
    solar_date,
    utf8_len,
)

FOOTER = "回复“退订今日党史”可以停止推送。"


def leap_year() -> list[date]:
    start = date(2028, 1, 1)
    return [start + timedelta(days=i) for i in range(366)]


def crowded(count: int, body_chars: int = 380, day: str = "10-01") -> Series:
    """A series with ``count`` long entries on one day, to force trimming."""
    entries = [
        {"day": day, "year": 1900 + i, "title": f"第{i + 1}条", "body": f"第{i + 1}条：" + "长" * (body_chars - 6)}
        for i in range(count)
    ]
    return parse_series({"series": "crowded", "title": "今日党史", "entries": entries})


# --- every day, every format --------------------------------------------------------------------


def test_every_day_of_2028_renders_in_every_format_within_the_limits() -> None:
    for day in leap_year():
        b = bulletin_for(day)
        text = render_text(b, footer=FOOTER)
        markdown = render_markdown(b, footer=FOOTER)
        news = render_news(b, url="https://example.org/bulletins")
        where = day.isoformat()
        assert 0 < utf8_len(text) <= TEXT_LIMIT, where
        assert 0 < utf8_len(markdown) <= MARKDOWN_LIMIT, where
        assert 0 < utf8_len(news.title) <= NEWS_TITLE_LIMIT, where
        assert 0 < utf8_len(news.description) <= NEWS_DESCRIPTION_LIMIT, where
        line = date_line(day)
        for out in (text, markdown):
            assert "今日党史" in out and line in out and out.endswith(FOOTER), where
            assert "{" not in out and "}" not in out, where
            assert all(e.body in out for e in b.entries), f"{where}: an entry was cut"
        assert news.description.startswith(line) and news.title.startswith("今日党史")


def test_a_day_with_its_own_entry_has_no_fallback_line() -> None:
    text = render_text(bulletin_for(date(2026, 7, 23)))
    assert text.startswith("【今日党史】\n2026年7月23日 星期四 · 农历六月初十")
    assert "中共一大在上海开幕" in text and "今天没有" not in text


def test_a_fallback_day_names_the_other_day_and_its_date() -> None:
    # 2026-07-22 (Wednesday) has no entry; Thursday 7-23 has 中共一大.
    b = bulletin_for(date(2026, 7, 22))
    assert b.kind is Kind.THIS_WEEK
    text = render_text(b)
    assert "今天没有当日条目，预告本周四（7月23日）：" in text
    assert "2026年7月22日 星期三" in text, "the header keeps the day itself"
    markdown = render_markdown(b)
    assert "本周四（7月23日）" in markdown and "**中共一大在上海开幕**" in markdown


def test_a_fallback_to_an_earlier_day_looks_back() -> None:
    s = parse_series(
        {"series": "s", "title": "健康小贴士", "entries": [{"day": "03-02", "title": "多喝水", "body": "每天喝够水。"}]}
    )
    text = render_text(s.bulletin_for(date(2026, 3, 4)))  # 2026-03-02 is a Monday
    assert "回顾本周一（3月2日）：" in text


def test_an_evergreen_day_says_so() -> None:
    s = parse_series(
        {
            "series": "s",
            "title": "今日党史",
            "entries": [{"day": "01-01", "title": "元旦", "body": "元旦内容。"}],
            "evergreen": [{"title": "实事求是", "body": "一切从实际出发。"}],
        }
    )
    text = render_text(s.bulletin_for(date(2026, 6, 10)))
    assert texts.EVERGREEN_INTRO in text and "◆ 实事求是\n一切从实际出发。" in text


def test_a_series_with_nothing_still_renders_a_bulletin() -> None:
    s = parse_series(
        {"series": "s", "title": "社区公告", "entries": [{"date": "2026-01-05", "title": "通知", "body": "内容。"}]}
    )
    b = s.bulletin_for(date(2026, 6, 10))
    assert b.kind is Kind.NOTHING
    for out in (render_text(b), render_markdown(b), render_news(b).description):
        assert texts.NOTHING_TODAY in out and "2026年6月10日" in out
    assert render_news(b).title == "社区公告｜2026年6月10日 星期三"


# --- several entries on one day ------------------------------------------------------------------


def test_a_day_with_several_entries_shows_them_all_when_they_fit() -> None:
    b = bulletin_for(date(2026, 10, 25))
    assert [e.year for e in b.entries] == [1950, 1971, 1987]
    text = render_text(b)
    assert text.index("志愿军出国作战") < text.index("联合国") < text.index("中共十三大")
    assert "还有" not in text
    news = render_news(b)
    assert news.description.splitlines()[1:] == [
        "1950年 志愿军出国作战第一次战役打响",
        "1971年 恢复中华人民共和国在联合国的合法席位",
        "1987年 中共十三大在北京开幕",
    ]


def test_too_many_entries_are_trimmed_whole_with_a_count() -> None:
    b = crowded(12).bulletin_for(date(2026, 10, 1))
    text = render_text(b, footer=FOOTER)
    assert utf8_len(text) <= TEXT_LIMIT
    shown = [e for e in b.entries if e.body in text]
    assert 1 <= len(shown) < 12
    assert shown == list(b.entries[: len(shown)]), "the first entries are kept, in order"
    assert texts.MORE_ENTRIES.format(count=12 - len(shown)) in text
    assert text.endswith(FOOTER)
    for e in b.entries[len(shown) :]:
        assert f"\u25c6 {e.title}" not in text.split("\n"), "a left-out entry leaves no heading behind"

    markdown = render_markdown(b, footer=FOOTER)
    kept = sum(e.body in markdown for e in b.entries)
    assert utf8_len(markdown) <= MARKDOWN_LIMIT and kept > len(shown)
    assert f"> {texts.MORE_ENTRIES.format(count=12 - kept)}" in markdown

    news = render_news(crowded(60).bulletin_for(date(2026, 10, 1)))
    lines = news.description.splitlines()
    assert utf8_len(news.description) <= NEWS_DESCRIPTION_LIMIT
    listed = [line for line in lines if line.endswith("条") and "年 第" in line]
    assert listed == [f"{1900 + i}年 第{i + 1}条" for i in range(len(listed))]
    assert lines[-1] == texts.MORE_ENTRIES.format(count=60 - len(listed))


def test_a_single_entry_too_long_for_a_tiny_limit_is_cut_at_a_character() -> None:
    b = crowded(2).bulletin_for(date(2026, 10, 1))
    for limit in range(150, 400, 7):
        text = render_text(b, limit=limit)
        assert utf8_len(text) <= limit
        text.encode("utf-8").decode("utf-8")  # whole characters only
        assert texts.MORE_ENTRIES.format(count=1) in text
        assert "…" in text


def test_a_long_single_entry_in_a_news_article_ends_with_an_ellipsis() -> None:
    b = crowded(1).bulletin_for(date(2026, 10, 1))
    news = render_news(b)
    assert utf8_len(news.description) <= NEWS_DESCRIPTION_LIMIT and news.description.endswith("…")


# --- news details, dispatch ---------------------------------------------------------------------


def test_news_takes_the_entry_url_unless_one_is_given() -> None:
    s = parse_series(
        {
            "series": "s",
            "title": "今日党史",
            "entries": [
                {"day": "07-01", "year": 1921, "title": "建党", "body": "正文。", "url": "https://example.org/71"}
            ],
        }
    )
    b = s.bulletin_for(date(2026, 7, 1))
    assert render_news(b).url == "https://example.org/71"
    assert render_news(b, url="https://example.org/other").url == "https://example.org/other"
    assert render_news(bulletin_for(date(2026, 7, 23))).url is None


def test_render_dispatches_on_the_format_name() -> None:
    b = bulletin_for(date(2026, 7, 23))
    assert render(b, "text") == render_text(b)
    assert render(b, Format.MARKDOWN, footer=FOOTER) == render_markdown(b, footer=FOOTER)
    assert isinstance(render(b, "news", url="https://example.org"), NewsArticle)
    with pytest.raises(ValueError):
        render(b, "voice")


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "lunar", "marks"),
    [
        (date(2026, 2, 17), "农历正月初一", "春节"),  # Spring Festival 2026 is Tuesday 17 February
        (date(2026, 2, 16), "农历腊月廿九", "除夕"),  # its eve: that 腊月 has 29 days
        (date(2026, 1, 1), "农历冬月十三", ""),  # the eleventh month reads 冬月
        (date(2026, 1, 26), "农历腊月初八", "腊八节"),  # the twelfth reads 腊月
        (date(2024, 9, 17), "农历八月十五", "中秋节"),
        (date(2023, 3, 22), "农历闰二月初一", ""),  # 2023 had a leap second month
        (date(2028, 1, 26), "农历正月初一", "春节"),
    ],
)
def test_lunar_dates_of_known_days(day: date, lunar: str, marks: str) -> None:
    assert lunar_date(day) == lunar
    # Cross-check against lunar_python's own numbers, so the wording is not the only witness.
    raw = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    assert lunar.endswith(raw.getDayInChinese()) and (raw.getMonth() < 0) == ("闰" in lunar)
    line = date_line(day)
    assert line.startswith(solar_date(day)) and lunar in line
    if marks:
        assert line.endswith(f"{lunar} {marks}")


def test_solar_dates_carry_the_weekday() -> None:
    assert solar_date(date(2026, 2, 17)) == "2026年2月17日 星期二"
    assert solar_date(date(2028, 2, 29)) == "2028年2月29日 星期二"
    assert solar_date(date(2028, 12, 31)) == "2028年12月31日 星期日"


def test_a_solar_term_is_named() -> None:
    assert date_line(date(2028, 12, 21)) == "2028年12月21日 星期四 · 农历冬月初六 冬至"


# --- helpers -------------------------------------------------------------------------------------


def test_cut_to_bytes_never_splits_a_character() -> None:
    text = "党史a学习𠀀教育，" * 20
    for limit in range(0, utf8_len(text) + 2):
        cut = cut_to_bytes(text, limit)
        assert utf8_len(cut) <= limit
        assert cut == text or cut.endswith("…") or limit < 3
        assert text.startswith(cut.removesuffix("…").rstrip())


def test_every_template_is_used_with_the_fields_it_names() -> None:
    fields = {
        name: {f for _, f, _, _ in string.Formatter().parse(value) if f}
        for name, value in vars(texts).items()
        if name.isupper() and isinstance(value, str)
    }
    assert fields["SOLAR_DATE"] == {"year", "month", "day", "weekday"}
    assert fields["LUNAR_DATE"] == {"month", "day"}
    assert fields["THIS_WEEK_AHEAD"] == fields["THIS_WEEK_BEFORE"] == {"weekday", "month", "day"}
    assert fields["MORE_ENTRIES"] == {"count"}
    assert fields["ENTRY_WITH_YEAR"] == {"year", "title"}
    assert fields["NEWS_TITLE"] == {"series", "title"}
    assert fields["SERIES_TITLE_TEXT"] == {"series"}
    assert fields["EVERGREEN_INTRO"] == fields["NOTHING_TODAY"] == set()
    assert len(texts.WEEKDAY_NAMES) == 7


def test_bulletin_is_plain_data() -> None:
    b = bulletin_for(date(2026, 7, 23))
    assert isinstance(b, Bulletin) and b.series == "party_history" and b.source_day == b.day
