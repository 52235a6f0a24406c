"""/healthz: what a load balancer or an operator probes."""

from __future__ import annotations

from pathlib import Path

from bot import create_app
from bot.db import Database
from bot.services import Services
from tests.conftest import make_config


def test_healthz_is_ok_with_a_database(app):
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable_and_recovers(sqlite_db, tmp_path: Path):
    folder = tmp_path / "data"
    broken = Database(f"sqlite:///{folder / 'linli.db'}")  # creates nothing (issue 12: no stray files)
    folder.write_text("a file where the database folder should be")
    services = Services(config=make_config(sqlite_db), db=broken)
    try:
        client = create_app(services=services).test_client()
        resp = client.get("/healthz")
        assert resp.status_code == 503
        assert resp.get_json() == {"status": "error", "database": "unreachable"}
        assert "linli.db" not in resp.get_data(as_text=True)  # no paths or URLs leak

        folder.unlink()
        folder.mkdir()
        assert client.get("/healthz").status_code == 200
    finally:
        services.close()


def test_healthz_is_503_when_postgresql_refuses_connections(sqlite_db):
    # Port 9 on 127.0.0.1 is closed: connecting fails at once.
    broken = Database("postgresql+psycopg://linli:secret-pw@127.0.0.1:9/linli?connect_timeout=2")
    services = Services(config=make_config(sqlite_db), db=broken)
    try:
        resp = create_app(services=services).test_client().get("/healthz")
        assert resp.status_code == 503
        assert "secret-pw" not in resp.get_data(as_text=True)
    finally:
        services.close()
