"""A new capability is one package plus one registry line: intent, job, import section and API route all arrive.

The skeleton below is written to a temporary folder as a package ``skeleton_notes``
with a registry module that is today's ``handlers/registry.py`` plus one line.
Nothing in bot/ or handlers/ is edited for it.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import create_app
from bot.db import Database
from bot.dialog.capability import load_registry
from bot.importer import ImportFormatError, import_defaults, import_file, known_sections
from bot.jobs import scheduler
from bot.routing.engine import NlpEngine
from bot.services import Services
from bot.wechat.client import ChatClient, app_poster
from tests.conftest import make_config

PACKAGE = '''
"""Notes: a capability that exists only in this test."""
from datetime import datetime

from flask import jsonify

from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply
from bot.jobs.scheduler import Sweep
from bot.web.api import api_blueprint, authenticated

cap = Capability("notes")
NOTES = []
bp = api_blueprint("notes_api", __name__)


@cap.intent("notes.create")
def create_note(ctx: Ctx) -> Reply:
    NOTES.append(ctx.msg.text)
    return Reply(f"NOTED {len(NOTES)}")


@cap.jobs
def jobs(services):
    def sweep(db, outbox, now: datetime) -> int:
        return len(NOTES)
    return [Sweep("notes.sweep", sweep, 60)]


@cap.imports("notes", order=60)
def import_notes(ctx) -> None:
    for index, record in enumerate(ctx.records("notes")):
        ctx.check_keys("notes", index, record, {"text"})
        NOTES.append(str(ctx.require("notes", index, record, "text")))
        ctx.report.count(ctx.report.created, "notes")


@bp.get("/notes")
@authenticated
def list_notes():
    return jsonify({"notes": NOTES})


def paths(ok, errors, not_found, body):
    return {"/notes": {"get": {"summary": "List notes", "responses": {"200": ok, **errors}}}}


cap.api(bp, paths=paths)
'''

REGISTRY = '''
from handlers.registry import CAPABILITIES as TODAY
import skeleton_notes

CAPABILITIES = [*TODAY, skeleton_notes.cap]  # the one line a new capability adds
'''

RULE = """
rules:
  - name: notes-create
    intent: notes.create
    any: [记一下]
    priority: 50
notes:
  - text: imported note
"""


@pytest.fixture
def skeleton(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "skeleton_notes.py").write_text(textwrap.dedent(PACKAGE), encoding="utf-8")
    (tmp_path / "skeleton_registry.py").write_text(textwrap.dedent(REGISTRY), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        yield load_registry("skeleton_registry")
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("skeleton_notes", "skeleton_registry"):
            sys.modules.pop(name, None)


def test_one_registry_line_wires_intent_job_import_and_api(
    skeleton: Any, sqlite_db: Database, shared_tokenizer: Any, admin_token_for: Any, tmp_path: Path
) -> None:
    notes = sys.modules["skeleton_notes"].NOTES
    # Import: the new section is known and read; the framework's own sections still are.
    assert "notes" in known_sections(skeleton) and "notes" not in known_sections()
    import_defaults(sqlite_db)
    data = tmp_path / "notes.yaml"
    data.write_text(RULE, encoding="utf-8")
    with pytest.raises(ImportFormatError, match="unknown section"):
        import_file(sqlite_db, data)  # without the registry line the section is unknown
    report = import_file(sqlite_db, data, registry=skeleton)
    assert report.created.get("notes") == 1 and notes == ["imported note"]

    # Intent: a resident's message reaches the new handler through the real webhook.
    services = Services(config=make_config(sqlite_db), db=sqlite_db, registry=skeleton)
    services.nlp = NlpEngine(sqlite_db, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    app = create_app(services=services)
    client = ChatClient(services.config, app_poster(app), openid="oNotesUser")
    assert client.say("帮我记一下明天买菜") == "NOTED 2"
    assert client.say("电梯坏了") != "NOTED 3"  # the other capabilities still answer

    # Job: the worker registers it from the registry and runs it.
    jobs = {job.name: job for job in skeleton.jobs(services)}
    assert "notes.sweep" in jobs and "tickets.deadlines" in jobs
    scheduler.register([jobs["notes.sweep"]])
    try:
        now = datetime.now(UTC)
        ran = scheduler.run_job(sqlite_db, "notes.sweep", jobs["notes.sweep"].func, not_run_since=now,
                                now=now, owner="test", lease=timedelta(minutes=1))
        assert ran == 2
    finally:
        scheduler.unregister("notes.sweep")

    # API: the blueprint is served, authenticated, and documented.
    web = app.test_client()
    token = admin_token_for(sqlite_db)
    assert web.get("/api/v1/notes").status_code == 401
    answer = web.get("/api/v1/notes", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.get_json()["notes"] == notes
    document = web.get("/api/v1/openapi.json").get_json()
    assert "/notes" in document["paths"] and "/tickets" in document["paths"]
    services.executor.shutdown(wait=True)


@pytest.fixture
def admin_token_for() -> Any:
    from bot.web.auth import create_admin, issue_token

    def issue(db: Database) -> str:
        with db.session() as session:
            return issue_token(session, create_admin(session, "notes-admin", "s3cret-pass"))

    return issue
