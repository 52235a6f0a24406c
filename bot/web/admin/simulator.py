"""The chat simulator: a WeChat-like window that speaks through the real webhook as any resident or member.

Each message is signed (and encrypted in safe mode) like WeChat's servers do
(``bot.wechat.client.ChatClient``) and posted to this app's own /wechat, so it
takes exactly the path a resident's message takes: dedupe, the inbox, the
dispatcher, the rules. The window is rebuilt from the database: the person's
messages with their passive replies, and every outbox row addressed to any of
the person's identities (task pushes, status updates, rating questions), as the
console channel records them in the demo. The side panel explains the last message.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.web.admin import texts
from bot.web.admin.access import admin_blueprint, allow, services
from models import (
    Building,
    Estate,
    GridMember,
    Identity,
    IdentityKind,
    InboundMessage,
    OutboxMessage,
    Person,
    Resident,
    Staff,
)

bp = admin_blueprint("admin_simulator", __name__)
WINDOW = 60  # messages shown
_OPENID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
SIMULATOR_PREFIX = "oSim"


@dataclass(frozen=True)
class Who:
    openid: str
    label: str
    kind: str  # resident, member, staff


@dataclass(frozen=True)
class Bubble:
    side: str  # me, bot, push
    text: str
    at: datetime
    note: str = ""


def people(s: Session) -> list[Who]:
    """Everyone the simulator can speak as: identities with an Official Account openid."""
    members = set(s.scalars(select(GridMember.person_id)))
    staff = {row.person_id: row.title for row in s.scalars(select(Staff))}
    homes = {r.person_id: r.address for r in s.scalars(select(Resident))}
    rows = s.execute(select(Identity.value, Person).join(Person, Person.id == Identity.person_id)
                     .where(Identity.kind == IdentityKind.OPENID).order_by(Person.id)).all()
    found = []
    for openid, person in rows:
        if person.id in members:
            kind, label = "member", f"{person.name or openid} · {texts.SIM_MEMBER}"
        elif person.id in staff:
            kind, label = "staff", f"{person.name or openid} · {staff[person.id] or texts.SIM_STAFF}"
        else:
            kind, label = "resident", f"{person.name or texts.SIM_RESIDENT} · {homes.get(person.id) or openid}"
        found.append(Who(openid, label, kind))
    return found


def addresses(s: Session) -> list[str]:
    rows = s.execute(select(Estate.name, Building.number, Building.units).join(Estate, Estate.id == Building.estate_id)
                     .order_by(Estate.id, Building.id)).all()
    return [texts.SIM_ADDRESS.format(estate=estate, building=number, unit=unit)
            for estate, number, units in rows for unit in (units or ["1"])]


def _since(openid: str) -> tuple[int, int]:
    marks = session.get("sim_since", {})
    mark = marks.get(openid) or [0, 0]
    return int(mark[0]), int(mark[1])


def window(s: Session, openid: str) -> list[Bubble]:
    """The conversation as the person's phone would show it, oldest first."""
    since_in, since_out = _since(openid)
    bubbles: list[Bubble] = []
    inbound = s.scalars(select(InboundMessage).where(
        InboundMessage.user_id == openid, InboundMessage.channel == "official_account", InboundMessage.id > since_in)
        .order_by(InboundMessage.id.desc()).limit(WINDOW)).all()
    for row in inbound:
        shown = row.content if row.content is not None else f"[{row.event or row.msg_type}]"
        bubbles.append(Bubble("me", shown, row.received_at))
        reply = row.reply or {}
        if reply.get("text") and reply.get("via") != "outbox":
            bubbles.append(Bubble("bot", reply["text"], row.handled_at or row.received_at))
    person_id = s.scalar(select(Identity.person_id).where(Identity.kind == IdentityKind.OPENID,
                                                          Identity.value == openid))
    recipients = [openid]
    if person_id is not None:
        recipients = list(s.scalars(select(Identity.value).where(Identity.person_id == person_id)))
    pushed = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_(recipients),
                                                   OutboxMessage.id > since_out)
                       .order_by(OutboxMessage.id.desc()).limit(WINDOW)).all()
    for row in pushed:
        note = f"{texts.OUTBOX_KINDS.get(row.kind, row.kind)} · {texts.OUTBOX_STATUSES.get(row.status, row.status)}"
        bubbles.append(Bubble("push", push_text(row.payload), row.created_at, note))
    bubbles.sort(key=lambda b: (b.at, {"me": 0, "bot": 1, "push": 2}[b.side]))
    return bubbles[-WINDOW:]


def push_text(payload: dict[str, Any]) -> str:
    """What the person reads: the text, or a menu's question and its options."""
    if payload.get("text") and payload.get("msgtype") != "msgmenu":
        return str(payload["text"])
    if payload.get("msgtype") == "msgmenu":
        options = " / ".join(str(item.get("content", "")) for item in payload.get("list", []))
        return f"{payload.get('head_content', '')}\n[{options}]\n{payload.get('tail_content', '')}".strip()
    return str(payload.get("text") or payload.get("content") or payload)


def _render_window(openid: str) -> str:
    with services().db.session() as s:
        return render_template("admin/simulator/_window.html", bubbles=window(s, openid), openid=openid)


@bp.get("/simulator")
@allow("staff")
def simulator() -> Any:
    openid = request.args.get("as") or ""
    with services().db.session() as s:
        everyone = people(s)
        if not openid and everyone:
            openid = next((w.openid for w in everyone if w.kind == "resident"), everyone[0].openid)
        bubbles = window(s, openid) if openid else []
        return render_template("admin/simulator/page.html", everyone=everyone, openid=openid, bubbles=bubbles,
                               addresses=addresses(s), new_openid=f"{SIMULATOR_PREFIX}{secrets.token_hex(4)}")


@bp.get("/simulator/window")
@allow("staff")
def refresh_window() -> Any:
    openid = request.args.get("as") or ""
    if not _OPENID.match(openid):
        return ""
    return _render_window(openid)


@bp.post("/simulator/send")
@allow("staff")
def send() -> Any:
    """Post the message to /wechat as the chosen person; answer the refreshed window and the explanation."""
    from bot.wechat.client import ChatClient, app_poster

    openid = (request.form.get("as") or "").strip()
    text = (request.form.get("text") or "").strip()[:2000]
    if not _OPENID.match(openid):
        return render_template("admin/simulator/_sent.html", error=texts.SIM_UNKNOWN_IDENTITY, openid=openid,
                               window=None, explain=None)
    error = None
    svc = services()
    client = ChatClient(svc.config, app_poster(current_app._get_current_object()), openid=openid)  # type: ignore[attr-defined]
    try:
        if request.form.get("subscribe"):
            client.subscribe()
        if text:
            client.say(text)
    except RuntimeError as exc:
        error = texts.SIM_SEND_FAILED.format(error=exc)
    explain = svc.nlp.explain(text) if text and svc.nlp is not None else None
    return render_template("admin/simulator/_sent.html", error=error, openid=openid,
                           window=Markup(_render_window(openid)), explain=explain)


@bp.post("/simulator/clear")
@allow("staff")
def clear() -> Any:
    openid = (request.form.get("as") or "").strip()
    with services().db.session() as s:
        last_in = s.scalar(select(func.max(InboundMessage.id))) or 0
        last_out = s.scalar(select(func.max(OutboxMessage.id))) or 0
    marks = {k: v for k, v in session.get("sim_since", {}).items() if k != openid}
    marks = dict(list(marks.items())[-19:])  # the cookie stays small
    marks[openid] = [last_in, last_out]
    session["sim_since"] = marks
    return _render_window(openid)


@bp.post("/simulator/start")
@allow("staff")
def start() -> Any:
    """A new resident: follow the account, say where they live, and open the window as them."""
    from bot.wechat.client import ChatClient, app_poster

    openid = f"{SIMULATOR_PREFIX}{secrets.token_hex(4)}"
    address = (request.form.get("address") or "").strip()[:100]
    room = re.sub(r"\D", "", request.form.get("room") or "")[:6]
    client = ChatClient(services().config, app_poster(current_app._get_current_object()), openid=openid)  # type: ignore[attr-defined]
    try:
        client.subscribe()
        if address:
            client.say(address + room)
    except RuntimeError as exc:
        flash(texts.SIM_SEND_FAILED.format(error=exc), "error")
    return redirect(url_for("admin_simulator.simulator", **{"as": openid}))
