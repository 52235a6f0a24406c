"""schemathesis against the whole JSON API, in process over WSGI, with an admin token: no server errors (issue 12).

The OpenAPI document at /api/v1/openapi.json drives it: its examples, its
coverage phase (boundary and out-of-schema values: NUL bytes, ids past
2^31-1, empty and over-long strings, wrong types, unexpected methods) and a
little random fuzzing, on the demo community. The run is bounded by a time
budget and a fixed seed; an error found is printed with the request that
caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import events  # noqa: E402

from bot import create_app  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.services import Services  # noqa: E402

# Wall-clock budgets: together at most a minute (an idle machine finishes SQLite's run in about 20 s).
BUDGET_SECONDS = {"sqlite": 40, "postgresql": 18}
SEED = 20261202


@pytest.fixture
def api_app(db: Database, tmp_path: Path, shared_tokenizer: Any) -> Iterator[tuple[Any, str]]:
    """The app over the database with the default content and the demo community."""
    from bot.importer import DATA_DIR, import_defaults, import_file
    from bot.routing.engine import NlpEngine
    from bot.web.auth import create_admin, issue_token
    from tests.conftest import make_config

    import_defaults(db)
    import_file(db, DATA_DIR / "demo.yaml")
    services = Services(config=make_config(db, var_dir=str(tmp_path / "var")), db=db)
    services.nlp = NlpEngine(db, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    with db.session() as session:
        token = issue_token(session, create_admin(session, "admin", "s3cret-pass"))
    yield create_app(services=services), token
    services.executor.shutdown(wait=True)


def test_the_api_never_answers_a_server_error(api_app: tuple[Any, str], db: Database) -> None:
    app, token = api_app
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "max-time": BUDGET_SECONDS[db.engine.dialect.name],
        "cache": {"enabled": False},
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"mode": "all", "max-examples": 2, "database": "none"},
        "phases": {
            "stateful": {"enabled": False},
            "coverage": {"unexpected-methods": ["delete", "patch", "put"]},
        },
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
        "continue-on-failure": True,
    })
    logging.getLogger("bot").setLevel(logging.CRITICAL)  # the expected 4xx noise; failures are listed below
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    failures: list[str] = []
    operations: set[str] = set()
    cases = 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            operations.add(recorder.label)
            cases += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status.name == "FAILURE":
                        case = recorder.cases[case_id].value
                        failures.append(f"{recorder.label} {check.name}: path={case.path_parameters} "
                                        f"query={case.query} body={case.body!r:.200}")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.value!r:.300}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r:.300}")
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(sorted(set(failures))[:40])
    assert cases > 100 and len(operations) > 10, (cases, len(operations))  # it really ran
