"""Bulletins in chat: subscribe, unsubscribe, list, and pull a day's bulletin at once.

Intents: subscriptions.subscribe, subscriptions.unsubscribe, subscriptions.list, bulletins.show
Menu: BULLETIN or BULLETIN:<series slug> (a CLICK key) shows today's bulletin
Events: a follow (or a scan by a follower) from a QR scene ``qrscene_<series slug>`` subscribes;
an unfollow ends every subscription.

Which series a message means: a series named in the text (its name, e.g. 健康小贴士, or its slug)
wins; otherwise the rule's ``params.series``; otherwise, to subscribe, the only series open to
subscription (or the question which one); to unsubscribe, all of them ("不要再推了").
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.bulletins import service, subscriptions, texts
from handlers.bulletins.capability import cap
from handlers.bulletins.render import render_text
from models import AudienceKind, BulletinSeries

OFFICIAL_ACCOUNT = "official_account"
MENU_KEY = "BULLETIN"
SCENE_PREFIXES = ("bulletin:", "bulletin_", "sub:", "sub_")


def _param(ctx: Ctx, name: str) -> object:
    rule = getattr(ctx.match, "rule", None)
    params = getattr(rule, "params", None) or {}
    return params.get(name)


def _named(db: Session, text: str) -> BulletinSeries | None:
    """The enabled series whose name (or slug) the text mentions; the longest name wins."""
    found = [s for s in service.enabled_series(db) if s.name in text or s.slug in text.lower()]
    return max(found, key=lambda s: len(s.name), default=None)


def _series(ctx: Ctx) -> BulletinSeries | None:
    named = _named(ctx.db, ctx.msg.text) if ctx.msg.text else None
    if named is not None:
        return named
    slug = _param(ctx, "series")
    series = service.series_by_slug(ctx.db, str(slug)) if slug else None
    return series if series is not None and series.enabled else None


def _subscribable(db: Session) -> list[BulletinSeries]:
    return [s for s in service.enabled_series(db) if s.audience != AudienceKind.ROBOTS]


def _names(series: list[BulletinSeries]) -> str:
    return texts.NAME_SEPARATOR.join(s.name for s in series)


def _schedule(ctx: Ctx, series: BulletinSeries) -> str:
    return service.schedule_text(service.cron_of(series, ctx.config))


@cap.intent("subscriptions.subscribe")
def subscribe_series(ctx: Ctx) -> Reply:
    """Subscribe the user to the series they named (or the only one there is)."""
    series = _series(ctx)
    if series is None:
        open_series = _subscribable(ctx.db)
        if not open_series:
            return Reply(texts.NO_SERIES)
        if len(open_series) > 1:
            return Reply(texts.WHICH_SERIES.format(names=_names(open_series), example=open_series[0].name))
        series = open_series[0]
    if series.audience == AudienceKind.ROBOTS:
        return Reply(texts.NOT_BY_SUBSCRIPTION.format(series=series.name))
    if ctx.msg.channel != OFFICIAL_ACCOUNT:
        return Reply(texts.SUBSCRIBE_IN_OFFICIAL_ACCOUNT.format(series=series.name))
    new = subscriptions.subscribe(ctx.db, series, ctx.msg.account, ctx.msg.user_id, ctx.now, source="chat")
    template = texts.SUBSCRIBED if new else texts.ALREADY_SUBSCRIBED
    return Reply(template.format(series=series.name, schedule=_schedule(ctx, series)))


@cap.intent("subscriptions.unsubscribe")
def unsubscribe_series(ctx: Ctx) -> Reply:
    """Stop the named series, or every series when none is named ("不要再推了")."""
    series = _series(ctx)
    if series is not None:
        if subscriptions.unsubscribe(ctx.db, series, ctx.msg.account, ctx.msg.user_id, ctx.now):
            return Reply(texts.UNSUBSCRIBED.format(series=series.name))
        return Reply(texts.NOT_SUBSCRIBED.format(series=series.name))
    left = [s for s in _subscribable(ctx.db)
            if subscriptions.unsubscribe(ctx.db, s, ctx.msg.account, ctx.msg.user_id, ctx.now)]
    if not left:
        return Reply(texts.NOTHING_TO_UNSUBSCRIBE)
    return Reply(texts.UNSUBSCRIBED_ALL.format(names=_names(left), example=left[0].name))


@cap.intent("subscriptions.list")
def list_subscriptions(ctx: Ctx) -> Reply:
    """Say which series the user subscribes to, or what they could subscribe to."""
    mine = subscriptions.active_series(ctx.db, ctx.msg.user_id)
    if mine:
        lines = "\n".join(texts.SUBSCRIPTION_LINE.format(series=s.name, schedule=_schedule(ctx, s)) for s in mine)
        return Reply(texts.MY_SUBSCRIPTIONS.format(lines=lines, example=mine[0].name))
    open_series = _subscribable(ctx.db)
    if not open_series:
        return Reply(texts.NO_SERIES)
    return Reply(texts.NO_SUBSCRIPTIONS.format(names=_names(open_series), example=open_series[0].name))


@cap.intent("bulletins.show")
def show_bulletin(ctx: Ctx) -> Reply:
    """Answer with the day's bulletin at once, whatever the push channels allow (today, or params.offset days)."""
    series = _menu_series(ctx) if ctx.msg.is_event else _series(ctx)
    if series is None:
        open_series = service.enabled_series(ctx.db)
        if not open_series:
            return Reply(texts.NO_SERIES)
        series = open_series[0]
    try:
        offset = int(_param(ctx, "offset") or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        offset = 0
    day = service.local_day(ctx.now, ctx.config, offset)
    footer = None
    if series.audience == AudienceKind.SUBSCRIBERS and not subscriptions.is_subscribed(ctx.db, series, ctx.msg.user_id):
        footer = texts.PULL_FOOTER.format(series=series.name, schedule=_schedule(ctx, series))
    return Reply(render_text(service.bulletin_of(ctx.db, series, day), footer=footer))


def _menu_series(ctx: Ctx) -> BulletinSeries | None:
    """BULLETIN:party_history names the series; plain BULLETIN means the first enabled one."""
    _, _, slug = ctx.msg.event_key.partition(":")
    series = service.series_by_slug(ctx.db, slug.strip().lower()) if slug else None
    return series if series is not None and series.enabled else None


cap.menu(MENU_KEY, "bulletins.show")


# --- events --------------------------------------------------------------------------------------------


def _scene_series(db: Session, key: str) -> BulletinSeries | None:
    scene = key.removeprefix("qrscene_").strip().lower()
    for prefix in SCENE_PREFIXES:
        scene = scene.removeprefix(prefix)
    series = service.series_by_slug(db, scene) if scene else None
    if series is None or not series.enabled or series.audience == AudienceKind.ROBOTS:
        return None
    return series


@cap.on_event("subscribe", "subscribe_scan", "scan")
def subscribe_from_scene(ctx: Ctx) -> str | None:
    """A follow records the follower; a QR scene naming a series subscribes them to it."""
    msg = ctx.msg
    if msg.channel != OFFICIAL_ACCOUNT:
        return None
    scene = msg.event_key.removeprefix("qrscene_") or None
    if msg.event != "scan":
        subscriptions.note_follow(ctx.db, msg.account, msg.user_id, ctx.now, scene=scene)
    series = _scene_series(ctx.db, msg.event_key)
    if series is None:
        return None
    new = subscriptions.subscribe(ctx.db, series, msg.account, msg.user_id, ctx.now, source="qrscene")
    template = texts.SCENE_SUBSCRIBED if new else texts.ALREADY_SUBSCRIBED
    return template.format(series=series.name, schedule=_schedule(ctx, series))


@cap.on_event("unsubscribe")
def end_on_unfollow(ctx: Ctx) -> str | None:
    """An unfollow ends every subscription; nothing is said (WeChat would not deliver it)."""
    if ctx.msg.channel == OFFICIAL_ACCOUNT:
        subscriptions.note_unfollow(ctx.db, ctx.msg.account, ctx.msg.user_id, ctx.now)
    return None
