"""Render a Bulletin for a channel: customer-service text, WeCom group-robot markdown, or a news article.

Pure. Every bulletin shows the series title, the day in 公历 with its weekday and in 农历
(lunar_python), and the entries. Sizes are counted in UTF-8 bytes, as WeChat counts them. A day
with more entries than fit keeps whole entries from the top and says how many were left out;
text is only ever shortened at a character boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lunar_python import Solar

from handlers.bulletins import texts
from handlers.bulletins.calendar import Bulletin, Entry, Kind

# Official Account customer-service text (message/custom/send): 2048 bytes of content.
TEXT_LIMIT = 2048
# WeCom group robot markdown (webhook/send): 4096 bytes of content.
MARKDOWN_LIMIT = 4096
# News (图文) article: WeChat and WeCom truncate longer titles and descriptions, so stay within them.
NEWS_TITLE_LIMIT = 128
NEWS_DESCRIPTION_LIMIT = 512

ELLIPSIS = "…"
_PARAGRAPH = "\n\n"


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    NEWS = "news"


@dataclass(frozen=True)
class NewsArticle:
    """One 图文 article: the channel adds the picture and sends it; ``url`` None means no link."""

    title: str
    description: str
    url: str | None = None


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_to_bytes(text: str, limit: int, tail: str = ELLIPSIS) -> str:
    """``text`` if it fits in ``limit`` UTF-8 bytes, else its longest prefix plus ``tail`` that does."""
    if utf8_len(text) <= limit:
        return text
    room = limit - utf8_len(tail)
    if room < 0:
        return tail.encode("utf-8")[:limit].decode("utf-8", "ignore")
    # Decoding a byte prefix with "ignore" drops a partly cut last character: never half a character.
    return text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + tail


# --- dates --------------------------------------------------------------------------------------


def solar_date(day: date) -> str:
    """``2026年2月17日 星期二``."""
    weekday = texts.WEEKDAY_NAMES[day.weekday()]
    return texts.SOLAR_DATE.format(year=day.year, month=day.month, day=day.day, weekday=weekday)


def lunar_date(day: date) -> str:
    """``农历正月初一`` (leap months read ``农历闰二月初一``)."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return texts.LUNAR_DATE.format(month=lunar.getMonthInChinese(), day=lunar.getDayInChinese())


def lunar_marks(day: date) -> list[str]:
    """The traditional festivals and the solar term (节气) falling on ``day``, as lunar_python names them."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    marks = list(lunar.getFestivals())
    if lunar.getJieQi():
        marks.append(lunar.getJieQi())
    return marks


def date_line(day: date) -> str:
    """``2026年2月17日 星期二 · 农历正月初一 春节``."""
    return " · ".join([solar_date(day), " ".join([lunar_date(day), *lunar_marks(day)])])


def intro(bulletin: Bulletin) -> str | None:
    """The line that says why a fallback is shown (with the other day's date), or None for the day's own entries."""
    if bulletin.kind is Kind.THIS_WEEK and bulletin.source_day is not None:
        source = bulletin.source_day
        template = texts.THIS_WEEK_AHEAD if source > bulletin.day else texts.THIS_WEEK_BEFORE
        weekday = texts.WEEKDAY_NAMES[source.weekday()]
        return template.format(weekday=weekday, month=source.month, day=source.day)
    if bulletin.kind is Kind.EVERGREEN:
        return texts.EVERGREEN_INTRO
    return None


# --- formats -----------------------------------------------------------------------------------


def render_text(bulletin: Bulletin, *, footer: str | None = None, limit: int = TEXT_LIMIT) -> str:
    """Customer-service text within ``limit`` bytes; ``footer`` (e.g. how to unsubscribe) is always kept."""
    head = [texts.SERIES_TITLE_TEXT.format(series=bulletin.series_title) + "\n" + date_line(bulletin.day)]
    return _assemble(head, bulletin, lambda e: f"\u25c6 {e.title}\n{e.body}", _more_text, footer, limit)


def render_markdown(bulletin: Bulletin, *, footer: str | None = None, limit: int = MARKDOWN_LIMIT) -> str:
    """WeCom group-robot markdown within ``limit`` bytes; ``footer`` is always kept."""
    head = [f"### {bulletin.series_title}\n> {date_line(bulletin.day)}"]
    return _assemble(head, bulletin, lambda e: f"**{e.title}**\n{e.body}", _more_markdown, footer, limit)


def render_news(
    bulletin: Bulletin,
    *,
    url: str | None = None,
    title_limit: int = NEWS_TITLE_LIMIT,
    description_limit: int = NEWS_DESCRIPTION_LIMIT,
) -> NewsArticle:
    """A 图文 article: the first entry's title, the date and a teaser; ``url`` defaults to the first entry's url.

    One entry: its paragraph, shortened with an ellipsis if needed (the link holds the rest).
    Several: one line per entry (year and title), whole lines only, then how many were left out.
    """
    first = bulletin.entries[0] if bulletin.entries else None
    headline = first.title if first is not None else solar_date(bulletin.day)
    title = cut_to_bytes(texts.NEWS_TITLE.format(series=bulletin.series_title, title=headline), title_limit)
    head = [date_line(bulletin.day)]
    if bulletin.kind is Kind.NOTHING:
        head.append(texts.NOTHING_TODAY)
    elif (line := intro(bulletin)) is not None:
        head.append(line)
    if len(bulletin.entries) == 1:
        description = cut_to_bytes("\n".join([*head, first.body]), description_limit)  # type: ignore[union-attr]
    else:
        lines = [_entry_line(e) for e in bulletin.entries]
        description = _fit(head, lines, _more_text, [], description_limit, sep="\n")
    link = url if url is not None else (first.url if first is not None else None)
    return NewsArticle(title=title, description=description, url=link)


def render(bulletin: Bulletin, fmt: Format | str, **options: object) -> str | NewsArticle:
    """Dispatch on the channel format: text and markdown give a string, news a NewsArticle."""
    renderers: dict[Format, Callable[..., str | NewsArticle]] = {
        Format.TEXT: render_text,
        Format.MARKDOWN: render_markdown,
        Format.NEWS: render_news,
    }
    return renderers[Format(fmt)](bulletin, **options)


# --- fitting -----------------------------------------------------------------------------------


def _entry_line(entry: Entry) -> str:
    if entry.year is not None and not entry.once:
        return texts.ENTRY_WITH_YEAR.format(year=entry.year, title=entry.title)
    return entry.title


def _more_text(count: int) -> str:
    return texts.MORE_ENTRIES.format(count=count)


def _more_markdown(count: int) -> str:
    return f"> {texts.MORE_ENTRIES.format(count=count)}"


def _assemble(
    head: list[str],
    bulletin: Bulletin,
    block: Callable[[Entry], str],
    more: Callable[[int], str],
    footer: str | None,
    limit: int,
) -> str:
    if bulletin.kind is Kind.NOTHING:
        head = [*head, texts.NOTHING_TODAY]
    elif (line := intro(bulletin)) is not None:
        head = [*head, line]
    tail = [footer] if footer else []
    return _fit(head, [block(e) for e in bulletin.entries], more, tail, limit)


def _fit(
    head: list[str], blocks: list[str], more: Callable[[int], str], tail: list[str], limit: int, sep: str = _PARAGRAPH
) -> str:
    """``head``, as many whole ``blocks`` as fit (at least one, shortened if it must be), the "more" line, ``tail``."""
    for shown in range(len(blocks), 0, -1):
        left_out = len(blocks) - shown
        text = sep.join([*head, *blocks[:shown], *([more(left_out)] if left_out else []), *tail])
        if utf8_len(text) <= limit:
            return text
    if not blocks:
        return cut_to_bytes(sep.join([*head, *tail]), limit)
    # Not even the first block fits whole (a very long footer or a tiny limit): shorten that block.
    rest = [*([more(len(blocks) - 1)] if len(blocks) > 1 else []), *tail]
    room = limit - utf8_len(sep.join([*head, "", *rest]))
    if room > utf8_len(ELLIPSIS):
        return sep.join([*head, cut_to_bytes(blocks[0], room), *rest])
    return cut_to_bytes(sep.join([*head, blocks[0], *rest]), limit)
