"""After a PostgreSQL restart the staff's first page and the API's first call are answered, not "unavailable".

The pool does not ping each connection before use (a round trip per WeChat message, issue 16). The
webhook retries a message at once when its pooled connection turns out dropped (tests/bot/
test_stale_connection.py); the admin pages and the API check their connection first, and a dropped
one is replaced before the page's own queries run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.db import Database
from tests.bot.test_stale_connection import _drop_pooled_connections


@pytest.fixture
def pg_only(seeded: Database) -> None:
    if seeded.is_sqlite:
        pytest.skip("a server restart drops TCP connections: PostgreSQL")


def test_the_first_admin_page_after_a_restart_is_answered(pg_only: None, admin_client: Callable[..., Any],
                                                          admin_services: Any) -> None:
    client = admin_client("admin")
    assert client.get("/admin/tickets").status_code == 200
    assert _drop_pooled_connections(admin_services.db) >= 1
    page = client.get("/admin/tickets")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert client.get("/admin/tickets").status_code == 200


def test_the_first_api_call_after_a_restart_is_answered(pg_only: None, admin_client: Callable[..., Any],
                                                        admin_services: Any, admin_app: Any) -> None:
    from bot.web.auth import create_admin, issue_token

    with admin_services.db.session() as session:
        token = issue_token(session, create_admin(session, "apiuser", "linli-test-pass"), days=1, label="t")
    headers = {"Authorization": f"Bearer {token}"}
    api = admin_app.test_client()
    assert api.get("/api/v1/tickets", headers=headers).status_code == 200
    assert _drop_pooled_connections(admin_services.db) >= 1
    answer = api.get("/api/v1/tickets", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
