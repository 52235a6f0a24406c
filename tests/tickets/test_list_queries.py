"""List endpoints read what each row shows in a few queries, not a few per row (issue 12)."""

from __future__ import annotations

from sqlalchemy import event

from tests.tickets.conftest import Town


def _queries(town: Town, client, path: str, auth: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(town.services.db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/api/v1/{path}", headers=auth).status_code == 200
    finally:
        event.remove(town.services.db.engine, "before_cursor_execute", record)
    return len(seen)


def test_persons_and_departments_lists_do_not_query_per_row(town: Town, admin_token: str) -> None:
    client = town.app.test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    before = {path: _queries(town, client, path, auth) for path in ("persons", "departments")}
    for n in range(5):
        client.post("/api/v1/persons", headers=auth,
                    json={"code": f"p{n}", "name": f"人{n}", "identities": [{"kind": "openid", "value": f"oP{n}"}]})
        client.post("/api/v1/departments", headers=auth, json={"code": f"d{n}", "name": f"部门{n}"})
    after = {path: _queries(town, client, path, auth) for path in ("persons", "departments")}
    assert after == before, (before, after)
