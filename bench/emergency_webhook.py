"""The emergency set (tests/nlp/emergency_cases.yaml) end to end, through the real webhook.

Every message is posted as signed WeChat XML by a fresh resident of the demo community
(a fresh SQLite database with the default content), as `serve` would receive it. Counted
from what the bot did, not from the detector:

- real emergencies: alerted at once (an urgent ticket whose alert was queued to workers),
  asked ("现在是否正在发生危险？" with the safety text, nobody paged yet), or neither;
- near-misses: how many paged anyone (any push to a grid member, staff or department), and
  how many were only asked;
- then, for the asked ones, what the confirmation sweep does if nobody answers (strong
  words escalate, weak ones are dropped).

Run: .venv/bin/python bench/emergency_webhook.py [-v]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot import create_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.delivery.outbox import Outbox  # noqa: E402
from bot.importer import DATA_DIR, import_defaults, import_file  # noqa: E402
from bot.routing.engine import NlpEngine  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.wechat.client import ChatClient, app_poster  # noqa: E402
from handlers.tickets import texts  # noqa: E402
from handlers.tickets.emergency import sweep_urgent_checks  # noqa: E402
from models import OutboxMessage, Ticket  # noqa: E402

CASES = ROOT / "tests" / "nlp" / "emergency_cases.yaml"
PAGES = ("ticket_urgent", "ticket_task", "ticket_escalation")
T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the real ones asked and any paging near-miss")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # every urgent message logs a warning; the figures are the output here
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        db.upgrade()
        import_defaults(db)
        import_file(db, DATA_DIR / "demo.yaml")
        config = load_config(None, env={}, overrides={
            "database": db.url, "var_dir": tmp,
            "wechat": {"token": "bench-token", "app_id": "wxbench0000000001", "app_secret": "s"},
            "nlp": {"cache_dir": f"{tmp}/cache"}})
        services = Services(config=config, db=db, clock=FixedClock(T0))
        services.nlp = NlpEngine(db, cache_dir=f"{tmp}/cache")
        services.nlp.warm()
        app = create_app(services=services)
        outcome: Counter[tuple[str, str]] = Counter()
        asked_users: list[tuple[str, dict[str, object]]] = []
        for i, case in enumerate(cases):
            user = f"oBench{i:04d}"
            services.clock.at = T0 + timedelta(minutes=i)  # a minute apart: nobody's report joins another's
            before = _pages(db)
            reply = ChatClient(config, app_poster(app), openid=user).say(case["text"]) or ""
            paged = _pages(db) > before
            asked = texts.URGENT_CONFIRM_QUESTION in reply
            kind = "real" if case["kind"] != "none" else "near"
            what = "alerted" if paged and _urgent_ticket(db, user) else "paged" if paged else "asked" if asked else "none"
            outcome[(kind, what)] += 1
            if asked:
                asked_users.append((user, case))
            if args.verbose and ((kind == "real" and what != "alerted") or (kind == "near" and what != "none")):
                print(f"  {kind} {what}: {case['text']}")
        # Nobody answers the questions: the sweep after tickets.urgent_confirm_minutes.
        later = services.clock.at + timedelta(minutes=config.tickets.urgent_confirm_minutes)
        before = _pages(db)
        with db.session() as s:
            swept = sweep_urgent_checks(s, Outbox(s, later), later, config)
            s.commit()
        escalated = sum(1 for user, _ in asked_users if _urgent_ticket(db, user))
        sweep_pages = _pages(db) - before
        services.close()
    real = sum(v for (k, _), v in outcome.items() if k == "real")
    near = sum(v for (k, _), v in outcome.items() if k == "near")
    print(f"emergency set through the webhook: {real} real emergencies, {near} near-misses")
    for what in ("alerted", "asked", "paged", "none"):
        print(f"  real  {what:<8} {outcome[('real', what)]:4d}  ({outcome[('real', what)] / real:6.1%})")
    for what in ("alerted", "paged", "asked", "none"):
        print(f"  near  {what:<8} {outcome[('near', what)]:4d}  ({outcome[('near', what)] / near:6.1%})")
    print(f"nobody answers the {len(asked_users)} questions: the sweep takes {swept}, escalates {escalated} "
          f"(strong words) and drops {len(asked_users) - escalated} (weak words); it queues {sweep_pages} pages")


def _pages(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind.in_(PAGES))) or 0


def _urgent_ticket(db: Database, user: str) -> bool:
    from models import TicketReporter

    with db.session() as s:
        return s.scalar(select(Ticket.id).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
                        .where(TicketReporter.recipient == user, Ticket.urgent.is_(True)).limit(1)) is not None


if __name__ == "__main__":
    main()
