"""API tokens expire, can be revoked, die with a password reset; login is throttled and locks out (issue 12)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import create_app
from bot.clock import wall_now
from bot.web.auth import create_admin, issue_token
from models import ApiToken


@pytest.fixture
def client(services: Any) -> Any:
    return create_app(services=services).test_client()


def _get(client: Any, token: str) -> int:
    return client.get("/api/v1/words", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_stops_working_when_it_expires(client: Any, services: Any, admin_token: str) -> None:
    assert _get(client, admin_token) == 200
    with services.db.session() as s:
        for row in s.query(ApiToken):
            assert wall_now() + timedelta(days=29) < row.expires_at <= wall_now() + timedelta(days=30)
            row.expires_at = wall_now() - timedelta(seconds=1)
    assert _get(client, admin_token) == 401


def test_tokens_are_listed_and_revoked_through_the_api(client: Any, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    second = client.post("/api/v1/login", json={"username": "admin", "password": "s3cret-pass"}).get_json()["token"]
    listed = client.get("/api/v1/tokens", headers=auth).get_json()["tokens"]
    assert len(listed) == 2 and all("token" not in t and t["revoked_at"] is None for t in listed)
    newest = listed[0]
    assert newest["label"] == "login"
    assert client.delete(f"/api/v1/tokens/{newest['id']}", headers=auth).status_code == 204
    assert _get(client, second) == 401 and _get(client, admin_token) == 200
    assert client.delete(f"/api/v1/tokens/{newest['id']}", headers=auth).status_code == 404


def test_a_password_reset_revokes_every_older_token(client: Any, services: Any, admin_token: str) -> None:
    with services.db.session() as s:
        create_admin(s, "admin", "a-new-password")
    assert _get(client, admin_token) == 401
    with services.db.session() as s:
        user = create_admin(s, "other", "pass-word-1")
        token = issue_token(s, user)
    assert _get(client, token) == 200
    with services.db.session() as s:  # a password changed some other way (the web UI): the stamp no longer matches
        from bot.web.admin.accounts import set_password
        from models import AdminUser

        set_password(s.query(AdminUser).filter_by(username="other").one(), "changed-elsewhere")
    assert _get(client, token) == 401


def test_login_locks_out_after_repeated_failures(client: Any, admin_token: str) -> None:
    statuses = [client.post("/api/v1/login", json={"username": "admin", "password": f"guess-{n}"}).status_code
                for n in range(8)]
    assert statuses[:4] == [401] * 4 and statuses[5:] == [429] * 3, statuses
    locked = client.post("/api/v1/login", json={"username": "admin", "password": "s3cret-pass"})
    assert locked.status_code == 429 and locked.get_json()["error"] == "too_many_attempts"  # even the right one
    assert locked.headers["Retry-After"]


def test_the_cli_revokes_tokens(services: Any, admin_token: str, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"database: {services.db.url}\n")
    done = CliRunner().invoke(main, ["admin", "revoke", "--config", str(config), "--user", "admin"])
    assert done.exit_code == 0, done.output
    assert _get(create_app(services=services).test_client(), admin_token) == 401
