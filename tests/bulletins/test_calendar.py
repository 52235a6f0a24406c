"""Dated content: the shipped 今日党史 calendar, what a day shows, fallbacks, and the validator's messages."""

from __future__ import annotations

import collections
import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from handlers.bulletins.calendar import (
    MAX_BODY_CHARS,
    ContentError,
    Fallback,
    Kind,
    MonthDay,
    Series,
    bulletin_for,
    entries_for,
    load_series,
    parse_series,
    party_history,
)

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT.parent / "shared" / "data" / "party-history-facts.tsv"


def series(entries: list[dict], evergreen: list[dict] | None = None, **extra: object) -> Series:
    raw: dict[str, object] = {"series": "sample", "title": "测试系列", "entries": entries, **extra}
    if evergreen is not None:
        raw["evergreen"] = evergreen
    return parse_series(raw, source="sample.yaml")


def entry(day: str, title: str, year: int | None = None, **extra: object) -> dict:
    item: dict[str, object] = {"day": day, "title": title, "body": f"{title}的正文。", **extra}
    if year is not None:
        item["year"] = year
    return item


# --- the shipped calendar -----------------------------------------------------------------------


def test_the_shipped_calendar_loads_with_its_counts() -> None:
    cal = party_history()
    assert (cal.slug, cal.title) == ("party_history", "今日党史")
    assert len(cal.entries) == 192
    assert len(cal.evergreen) == 13
    assert 366 - len(cal.days_without_entries(2028)) == 174
    assert all(isinstance(e.when, MonthDay) and e.year is not None for e in cal.entries)
    assert len({e.key for e in [*cal.entries, *cal.evergreen]}) == 192 + 13


def test_every_paragraph_states_its_full_date_and_stays_short() -> None:
    for e in party_history().entries:
        assert isinstance(e.when, MonthDay)
        said = f"{e.year}年{e.when.month}月{e.when.day}日"
        assert said in e.body, f"{e.key} does not say {said}"
        assert len(e.body) <= 120, e.key
        assert len(e.title) <= 24, e.key


@pytest.mark.skipif(not FACTS.exists(), reason="the verified fact list lives outside the repository")
def test_the_calendar_covers_exactly_the_verified_fact_list() -> None:
    with FACTS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    facts = collections.Counter((r["month_day"], int(r["year"])) for r in rows)
    ours = collections.Counter((str(e.when), e.year) for e in party_history().entries)
    assert ours == facts


def test_no_sentence_repeats_the_source_list_word_for_word() -> None:
    if not FACTS.exists():
        pytest.skip("the verified fact list lives outside the repository")
    with FACTS.open(encoding="utf-8") as f:
        events = [r["event"] for r in csv.DictReader(f, delimiter="\t")]
    bodies = [e.body for e in party_history().entries]
    # A single clause ("中共十八大在北京开幕") is how the fact is named and any paragraph repeats it;
    # an event of several clauses is a sentence, and the paragraphs say it in their own words.
    copied = [ev for ev in events if "，" in ev and any(ev in body for body in bodies)]
    assert not copied


def test_entries_for_a_day_with_several_events_are_oldest_first() -> None:
    found = entries_for(date(2026, 4, 23))
    assert [e.year for e in found] == [1945, 1949, 1949]
    assert [e.title for e in found] == ["中共七大在延安开幕", "人民海军诞生", "人民解放军占领南京"]
    assert [e.key for e in found] == ["04-23/1945", "04-23/1949", "04-23/1949-2"]


def test_entries_for_a_day_without_events_is_empty() -> None:
    assert entries_for(date(2026, 7, 22)) == []


def test_every_day_of_a_leap_year_has_a_bulletin() -> None:
    kinds: collections.Counter[Kind] = collections.Counter()
    day = date(2028, 1, 1)
    while day.year == 2028:
        b = bulletin_for(day)
        assert b.entries, day
        assert b.kind is not Kind.NOTHING
        if b.kind is Kind.THIS_WEEK:
            assert b.source_day is not None and b.source_day != day
            assert b.source_day.isocalendar()[:2] == day.isocalendar()[:2], "must stay in the same week"
        kinds[b.kind] += 1
        day += timedelta(days=1)
    assert kinds[Kind.TODAY] == 174
    assert sum(kinds.values()) == 366


# --- fallbacks ----------------------------------------------------------------------------------


def test_a_day_without_entries_shows_the_nearest_day_of_its_week() -> None:
    s = series(
        [entry("03-02", "周一的事", 2000), entry("03-06", "周五的事", 2001)], [{"title": "常备", "body": "常备内容。"}]
    )
    # 2026-03-02 is a Monday.
    b = s.bulletin_for(date(2026, 3, 3))  # Tuesday: Monday is 1 day back, Friday 3 ahead
    assert (b.kind, b.source_day, [e.title for e in b.entries]) == (Kind.THIS_WEEK, date(2026, 3, 2), ["周一的事"])
    b = s.bulletin_for(date(2026, 3, 5))  # Thursday: Friday is 1 ahead
    assert (b.kind, b.source_day) == (Kind.THIS_WEEK, date(2026, 3, 6))


def test_a_tie_goes_to_the_coming_day() -> None:
    s = series([entry("03-02", "周一的事"), entry("03-06", "周五的事")])
    b = s.bulletin_for(date(2026, 3, 4))  # Wednesday: two days either way
    assert b.source_day == date(2026, 3, 6)


def test_the_week_fallback_never_crosses_into_another_week() -> None:
    s = series([entry("03-01", "上周日的事")], [{"title": "常备", "body": "常备内容。"}])
    b = s.bulletin_for(date(2026, 3, 2))  # Monday after that Sunday
    assert b.kind is Kind.EVERGREEN


def test_the_evergreen_item_is_chosen_by_the_date_and_rotates() -> None:
    items = [{"title": f"常备{i}", "body": f"常备内容{i}。"} for i in range(3)]
    s = series([entry("01-01", "元旦的事")], items)
    day = date(2026, 6, 10)
    first = s.bulletin_for(day)
    assert first.kind is Kind.EVERGREEN and first.source_day is None
    assert s.bulletin_for(day).entries == first.entries, "the same day always gets the same item"
    week = {s.bulletin_for(day + timedelta(days=i)).entries[0].title for i in range(3)}
    assert week == {"常备0", "常备1", "常备2"}


def test_fallbacks_follow_the_series_setting() -> None:
    entries = [entry("03-06", "周五的事")]
    evergreen = [{"title": "常备", "body": "常备内容。"}]
    only_evergreen = series(entries, evergreen, fallbacks=["evergreen"])
    assert only_evergreen.fallbacks == (Fallback.EVERGREEN,)
    assert only_evergreen.bulletin_for(date(2026, 3, 5)).kind is Kind.EVERGREEN
    assert series(entries, evergreen, fallbacks=[]).bulletin_for(date(2026, 3, 5)).kind is Kind.NOTHING


def test_a_series_with_nothing_this_week_and_no_evergreen_says_so() -> None:
    b = series([entry("01-01", "元旦的事")]).bulletin_for(date(2026, 6, 10))
    assert (b.kind, b.entries) == (Kind.NOTHING, ())


# --- one-off dated entries and 02-29 --------------------------------------------------------------


def test_a_specific_date_entry_shows_once_and_before_anniversaries() -> None:
    s = series(
        [
            entry("05-04", "五四纪念", 1919),
            {"date": "2026-05-04", "title": "社区青年座谈会", "body": "本周日下午在活动室。"},
            {"date": date(2027, 5, 4), "title": "明年的通知", "body": "明年的内容。"},
        ]
    )
    assert [e.title for e in s.entries_for(date(2026, 5, 4))] == ["社区青年座谈会", "五四纪念"]
    assert [e.title for e in s.entries_for(date(2025, 5, 4))] == ["五四纪念"]
    one_off = s.entries_for(date(2026, 5, 4))[0]
    assert one_off.once and one_off.year == 2026 and one_off.key == "2026-05-04"
    assert one_off.event_date() == date(2026, 5, 4)


def test_a_series_may_hold_only_specific_dates() -> None:
    notice = {"date": "2026-03-06", "title": "停水通知", "body": "周五停水。"}
    s = parse_series({"series": "notices", "title": "社区公告", "entries": [notice]})
    assert s.bulletin_for(date(2026, 3, 4)).source_day == date(2026, 3, 6)
    assert s.bulletin_for(date(2027, 3, 6)).kind is Kind.NOTHING


def test_a_29_february_entry_falls_on_28_february_in_common_years() -> None:
    s = series([entry("02-29", "闰日的事", 2024)])
    assert s.entries_for(date(2028, 2, 29)) and not s.entries_for(date(2028, 2, 28))
    assert s.entries_for(date(2026, 2, 28))
    assert MonthDay(2, 29).in_year(2027) == date(2027, 2, 28)


def test_entries_and_evergreen_can_carry_explicit_keys_and_urls() -> None:
    s = series(
        [entry("07-01", "七一", 1921, key="founding", url="https://example.org/71")],
        [{"key": "tip", "title": "常备", "body": "常备内容。", "url": "http://example.org/tip"}],
    )
    assert s.entries[0].key == "founding" and s.entries[0].url == "https://example.org/71"
    assert s.evergreen[0].key == "tip"


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"day": "07-23", "title": "一大开幕"}, ["entries[1]", "07-23", "一大开幕", "'body' is missing"]),
        ({"day": "13-01", "title": "坏日子", "body": "正文"}, ["entries[1]", "坏日子", "not a day of the year"]),
        ({"day": "7-1", "title": "短格式", "body": "正文"}, ["entries[1]", "短格式", "MM-DD"]),
        ({"day": 701, "title": "数字", "body": "正文"}, ["entries[1]", "数字", "MM-DD"]),
        ({"title": "没有日期", "body": "正文"}, ["entries[1]", "没有日期", "exactly one of 'day'"]),
        (
            {"day": "07-01", "date": "2026-07-01", "title": "两个日期", "body": "正文"},
            ["entries[1]", "两个日期", "exactly one of"],
        ),
        ({"date": "2026-02-30", "title": "坏日期", "body": "正文"}, ["entries[1]", "坏日期", "'date' must be a date"]),
        (
            {"date": "2026-07-01", "year": 2026, "title": "多余年份", "body": "正文"},
            ["多余年份", "'year' goes with 'day'"],
        ),
        (
            {"day": "02-29", "year": 1923, "title": "不存在的闰日", "body": "正文"},
            ["不存在的闰日", "1923 has no 02-29"],
        ),
        (
            {"day": "07-01", "year": "一九二一", "title": "年份写错", "body": "正文"},
            ["年份写错", "'year' must be a whole year"],
        ),
        ({"day": "07-01", "title": "拼错键", "boddy": "正文"}, ["entries[1]", "拼错键", "unknown key(s) ['boddy']"]),
        ({"day": "07-01", "title": "", "body": "正文"}, ["entries[1]", "07-01", "'title' is missing or empty"]),
        ({"day": "07-01", "title": "太长", "body": "字" * (MAX_BODY_CHARS + 1)}, ["太长", f"at most {MAX_BODY_CHARS}"]),
        (
            {"day": "07-01", "title": "坏链接", "body": "正文", "url": "ftp://x"},
            ["坏链接", "'url' must start with http"],
        ),
        (
            {"day": "07-01", "title": "重复键", "body": "正文", "key": "a"},
            ["entries[1] (重复键)", "already used by entries[0]"],
        ),
        ("只是一句话", ["entries[1]", "an entry is a mapping"]),
    ],
)
def test_the_validator_names_the_broken_entry(broken: object, expected: list[str]) -> None:
    raw = {"series": "sample", "title": "测试", "entries": [entry("01-01", "好条目", key="a"), broken]}
    with pytest.raises(ContentError) as err:
        parse_series(raw, source="sample.yaml")
    message = str(err.value)
    assert message.startswith("sample.yaml: ")
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], "a series file is a mapping"),
        (
            {"series": "Party History", "title": "今日党史", "entries": [entry("01-01", "x")]},
            "'series' must be a lowercase slug",
        ),
        ({"series": "s", "entries": [entry("01-01", "x")]}, "'title' is missing"),
        ({"series": "s", "title": "t", "entries": []}, "at least one entry or evergreen item"),
        ({"series": "s", "title": "t", "entries": {"a": 1}}, "'entries' must be a list"),
        ({"series": "s", "title": "t", "entrys": []}, "unknown key(s) ['entrys']"),
        ({"series": "s", "title": "t", "entries": [entry("01-01", "x")], "fallbacks": ["yesterday"]}, "'fallbacks'"),
        (
            {"series": "s", "title": "t", "entries": [], "evergreen": [{"title": "常备", "body": "b", "day": "01-01"}]},
            "evergreen[0] (01-01 常备): unknown key(s) ['day']",
        ),
        ({"series": "s", "title": "t", "entries": [], "evergreen": [{"title": "常备"}]}, "evergreen[0] (常备): 'body'"),
    ],
)
def test_the_validator_names_broken_series_fields(raw: object, expected: str) -> None:
    with pytest.raises(ContentError, match="^sample.yaml: ") as err:
        parse_series(raw, source="sample.yaml")
    assert expected in str(err.value)


def test_load_series_names_the_file_for_yaml_errors_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("series: s\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match="bad.yaml: not valid YAML"):
        load_series(bad)
    with pytest.raises(ContentError, match="missing.yaml: cannot read"):
        load_series(tmp_path / "missing.yaml")


def test_load_series_reads_an_unquoted_yaml_date(tmp_path: Path) -> None:
    path = tmp_path / "notices.yaml"
    path.write_text(
        "series: notices\ntitle: 社区公告\nentries:\n  - date: 2026-03-06\n    title: 停水通知\n    body: 周五停水。\n",
        encoding="utf-8",
    )
    assert load_series(path).entries_for(date(2026, 3, 6))[0].title == "停水通知"
