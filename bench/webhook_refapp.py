"""The reference bare stack for bench/webhook.py (issue 16): what one message costs without Linli.

Flask + wechatpy check_signature / parse_message / create_reply + jieba.lcut +
a keyword lookup + one SQLAlchemy insert and commit per message. A retry (the
same MsgId again) hits the unique constraint and answers the stored reply.
bench/webhook.py copies this file into a temporary folder and runs it under
gunicorn with sync workers; it is not imported by Linli.

Environment: REF_TOKEN (WeChat token), REF_DATABASE (SQLAlchemy URL),
REF_KEYWORDS (JSON file: {"report": [words], "faq": {word: answer}, "report_reply": str,
"fallback": str}), REF_CACHE_DIR (jieba's cache). `python refapp.py init` creates the table.

REF_TICKET_ROWS=core makes it the **floor** instead: a report also reads and writes, in
the same transaction and with plain SQLAlchemy Core statements, the rows a ticket
needs in Linli (the sender and their identity, made on first contact; their home;
the on-duty grid member; the conversation state; the day's ticket number; the
ticket, its reporter and two events; the outbox row for the member's push). No
routing logic, no ORM objects: what the guarantees cost in SQL and driver calls
alone, so that Linli's report can be compared with the least it could cost.
REF_TICKET_ROWS=raw runs the same statements on the driver's own cursor (sqlite3 or
psycopg, SQL written once by hand): the floor without SQLAlchemy's statement layer.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

import jieba
from flask import Flask, Response, request
from sqlalchemy import DateTime, Integer, String, Text, create_engine, event, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from wechatpy import create_reply, parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

TOKEN = os.environ["REF_TOKEN"]
DATABASE = os.environ["REF_DATABASE"]
with open(os.environ["REF_KEYWORDS"], encoding="utf-8") as fh:
    KEYWORDS = json.load(fh)
REPORT_WORDS = set(KEYWORDS["report"])
TICKET_ROWS = os.environ.get("REF_TICKET_ROWS", "")  # "", "core" or "raw" (see the docstring)
FAQ = dict(KEYWORDS["faq"])

jieba.setLogLevel(60)
jieba.dt.tmp_dir = os.environ.get("REF_CACHE_DIR") or None
jieba.initialize()


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "ref_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32))
    reply: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Person(Base):
    __tablename__ = "floor_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Identity(Base):
    __tablename__ = "floor_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)


class Home(Base):
    __tablename__ = "floor_homes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    building: Mapped[str] = mapped_column(String(32))


class Member(Base):
    __tablename__ = "floor_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))


class State(Base):
    __tablename__ = "floor_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Counter(Base):
    __tablename__ = "floor_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "floor_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    building: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int] = mapped_column(Integer, index=True)
    assignee_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Reporter(Base):
    __tablename__ = "floor_reporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    person_id: Mapped[int] = mapped_column(Integer)
    openid: Mapped[str] = mapped_column(String(64))


class TicketEvent(Base):
    __tablename__ = "floor_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class Outbox(Base):
    __tablename__ = "floor_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)


if DATABASE.startswith("sqlite"):
    engine = create_engine(DATABASE, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
else:
    engine = create_engine(DATABASE)


def route(words: list[str]) -> tuple[str, str]:
    """The keyword lookup: an FAQ word answers, a fault word files a report, else the fallback."""
    for word in words:
        if word in FAQ:
            return "faq", FAQ[word]
    for word in words:
        if word in REPORT_WORDS:
            return "report", KEYWORDS["report_reply"]
    return "unknown", KEYWORDS["fallback"]


app = Flask(__name__)


@app.post("/wechat")
def wechat() -> Response:
    args = request.args
    try:
        check_signature(TOKEN, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException:
        return Response("bad signature", status=403)
    msg = parse_message(request.get_data())
    content = getattr(msg, "content", "") or ""
    intent, text = route(jieba.lcut(content))
    if intent == "report":
        text = text.format(no=msg.id)
    with Session(engine) as session:
        if TICKET_ROWS and intent == "report":
            (_ticket_rows_raw if TICKET_ROWS == "raw" else _ticket_rows)(session, msg.source, content)
        session.add(
            Message(
                msg_id=str(msg.id),
                openid=msg.source,
                content=content,
                intent=intent,
                reply=text,
                created_at=datetime.now(),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # WeChat's retry of a message already answered
            session.rollback()
            text = session.scalar(select(Message.reply).where(Message.msg_id == str(msg.id))) or ""
    return Response(create_reply(text, msg).render(), mimetype="application/xml")


_UPSERT_STATE = text(
    "INSERT INTO floor_states (openid, state, data, expires_at) VALUES (:openid, 'attach', :data, :expires_at) "
    "ON CONFLICT (openid) DO UPDATE SET state = excluded.state, data = excluded.data, expires_at = excluded.expires_at"
)
_NEXT_NUMBER = text(
    "INSERT INTO floor_counters (day, value) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET value = floor_counters.value + 1 RETURNING value"
)


def _ticket_rows(session: Session, openid: str, content: str) -> None:
    """The reads and writes of a first report, in the caller's transaction (the floor; see the docstring)."""
    now = datetime.now()
    conn = session.connection()
    conn.execute(select(State.state, State.data).where(State.openid == openid)).first()
    person_id = conn.execute(
        select(Person.id).join(Identity, Identity.person_id == Person.id).where(Identity.openid == openid)
    ).scalar()
    if person_id is None:
        person_id = conn.execute(insert(Person).values(name="", created_at=now).returning(Person.id)).scalar_one()
        conn.execute(insert(Identity).values(person_id=person_id, openid=openid))
    conn.execute(select(Home.building).where(Home.person_id == person_id)).first()
    member = conn.execute(select(Member.id, Member.openid).where(Member.grid == "g1")).first()
    day = now.strftime("%Y%m%d")
    number = f"T{day}{conn.execute(_NEXT_NUMBER, {'day': day}).scalar_one():04d}"
    ticket_id = conn.execute(
        insert(Ticket)
        .values(number=number, category="elevator", building="3", description=content, reporter_id=person_id,
                assignee_id=member.id, status="assigned", created_at=now, due_at=now)
        .returning(Ticket.id)
    ).scalar_one()
    conn.execute(insert(Reporter).values(ticket_id=ticket_id, person_id=person_id, openid=openid))
    for kind in ("opened", "assigned"):
        conn.execute(insert(TicketEvent).values(ticket_id=ticket_id, kind=kind, note=content, at=now))
    conn.execute(insert(Outbox).values(key=f"push:{number}", recipient=member.openid,
                                      payload=json.dumps({"number": number, "text": content}, ensure_ascii=False),
                                      status="pending", next_attempt_at=now))
    conn.execute(_UPSERT_STATE, {"openid": openid, "data": json.dumps({"ticket": number}), "expires_at": now})


_RAW = {
    "state": "SELECT state, data FROM floor_states WHERE openid = :openid",
    "person": "SELECT floor_persons.id FROM floor_persons JOIN floor_identities "
    "ON floor_identities.person_id = floor_persons.id WHERE floor_identities.openid = :openid",
    "new_person": "INSERT INTO floor_persons (name, created_at) VALUES ('', :now) RETURNING id",
    "identity": "INSERT INTO floor_identities (person_id, openid) VALUES (:person_id, :openid)",
    "home": "SELECT building FROM floor_homes WHERE person_id = :person_id",
    "member": "SELECT id, openid FROM floor_members WHERE grid = 'g1'",
    "number": "INSERT INTO floor_counters (day, value) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET value = floor_counters.value + 1 RETURNING value",
    "ticket": "INSERT INTO floor_tickets (number, category, building, description, reporter_id, assignee_id, status, "
    "created_at, due_at) VALUES (:number, 'elevator', '3', :content, :person_id, :member_id, 'assigned', :now, :now) "
    "RETURNING id",
    "reporter": "INSERT INTO floor_reporters (ticket_id, person_id, openid) VALUES (:ticket_id, :person_id, :openid)",
    "event": "INSERT INTO floor_events (ticket_id, kind, note, at) VALUES (:ticket_id, :kind, :content, :now)",
    "outbox": "INSERT INTO floor_outbox (key, recipient, payload, status, next_attempt_at) "
    "VALUES (:key, :recipient, :payload, 'pending', :now)",
    "upsert_state": _UPSERT_STATE.text.replace(":expires_at", ":now"),
}
if not DATABASE.startswith("sqlite"):  # psycopg's placeholders
    import re

    _RAW = {name: re.sub(r":(\w+)", r"%(\1)s", sql) for name, sql in _RAW.items()}


def _ticket_rows_raw(session: Session, openid: str, content: str) -> None:
    """_ticket_rows on the driver's cursor: no statement objects, no type processing."""
    now = datetime.now()
    stamp = now.isoformat(" ") if DATABASE.startswith("sqlite") else now
    cursor = session.connection().connection.driver_connection.cursor()
    run = cursor.execute
    run(_RAW["state"], {"openid": openid}).fetchone()
    row = run(_RAW["person"], {"openid": openid}).fetchone()
    if row is None:
        person_id = run(_RAW["new_person"], {"now": stamp}).fetchone()[0]
        run(_RAW["identity"], {"person_id": person_id, "openid": openid})
    else:
        person_id = row[0]
    run(_RAW["home"], {"person_id": person_id}).fetchone()
    member_id, recipient = run(_RAW["member"]).fetchone()
    day = now.strftime("%Y%m%d")
    number = f"T{day}{run(_RAW['number'], {'day': day}).fetchone()[0]:04d}"
    ticket_id = run(_RAW["ticket"], {"number": number, "content": content, "person_id": person_id,
                                     "member_id": member_id, "now": stamp}).fetchone()[0]
    run(_RAW["reporter"], {"ticket_id": ticket_id, "person_id": person_id, "openid": openid})
    for kind in ("opened", "assigned"):
        run(_RAW["event"], {"ticket_id": ticket_id, "kind": kind, "content": content, "now": stamp})
    run(_RAW["outbox"], {"key": f"push:{number}", "recipient": recipient, "now": stamp,
                         "payload": json.dumps({"number": number, "text": content}, ensure_ascii=False)})
    run(_RAW["upsert_state"], {"openid": openid, "data": json.dumps({"ticket": number}), "now": stamp})


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Member(grid="g1", name="member", openid="oMember"))
        session.commit()
