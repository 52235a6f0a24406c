"""The reference bare stack for bench/webhook.py (issue 16): what one message costs without Linli.

Flask + wechatpy check_signature / parse_message / create_reply + jieba.lcut +
a keyword lookup + one SQLAlchemy insert and commit per message. A retry (the
same MsgId again) hits the unique constraint and answers the stored reply.
bench/webhook.py copies this file into a temporary folder and runs it under
gunicorn with sync workers; it is not imported by Linli.

Environment: REF_TOKEN (WeChat token), REF_DATABASE (SQLAlchemy URL),
REF_KEYWORDS (JSON file: {"report": [words], "faq": {word: answer}, "report_reply": str,
"fallback": str}), REF_CACHE_DIR (jieba's cache). `python refapp.py init` creates the table.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

import jieba
from flask import Flask, Response, request
from sqlalchemy import DateTime, String, Text, create_engine, event, select
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


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
