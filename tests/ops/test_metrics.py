"""/metrics: Prometheus text with the outbox, tickets, urgent and job gauges and the send and job counters."""

from __future__ import annotations

from typing import Any

from bot.db import Database
from bot.delivery.outbox import Outbox
from bot.ops import metrics


def _value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_show_outbox_depth_and_counts(app: Any, db: Database, services: Any) -> None:
    now = services.clock.now()
    with db.session() as s:
        Outbox(s, now).text(channel="console", account="", recipient="oSomeone", kind="test", text="hi", key="m1")
    metrics.observe_send("official_account", "error", 45015)
    metrics.observe_job("tickets.deadlines", ok=True)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert _value(body, 'linli_outbox_messages{status="pending"}') == 1
    assert _value(body, "linli_database_up") == 1
    assert _value(body, "linli_tickets_open") == 0
    assert 'linli_sends_total{channel="official_account",errcode="45015",result="error"}' in body
    assert 'linli_job_runs_total{job="tickets.deadlines",result="ok"}' in body


def test_a_scrape_during_a_database_outage_says_so() -> None:
    collector = metrics.DatabaseCollector(_Broken())
    families = list(collector.collect())
    assert [f.name for f in families] == ["linli_database_up"] and families[0].samples[0].value == 0


class _Broken:
    def session(self) -> Any:
        raise OSError("database unreachable")
