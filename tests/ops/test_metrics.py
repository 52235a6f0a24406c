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


def test_each_webhook_message_counts_its_type_route_and_latency(app: Any, services: Any) -> None:
    from tests.conftest import TEST_APP_ID, TEST_TOKEN
    from tests.wechatkit import OfficialAccountKit

    def scrape() -> str:
        return str(app.test_client().get("/metrics").get_data(as_text=True))

    def value(body: str, name: str) -> float:
        try:
            return _value(body, name)
        except AssertionError:
            return 0.0

    before = scrape()
    kit = OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, openid="oMetricsUser")
    xml = kit.text("你好", msg_id=9_400_000_000)
    for _ in range(2):  # the second is WeChat's retry
        query, body = kit.post(xml)
        assert app.test_client().post("/wechat", query_string=query, data=body).status_code == 200
    after = scrape()
    assert value(after, 'linli_messages_total{type="text"}') - value(before, 'linli_messages_total{type="text"}') == 2
    assert value(after, 'linli_routed_total{outcome="duplicate"}') - value(before, 'linli_routed_total{outcome="duplicate"}') == 1
    assert value(after, "linli_reply_seconds_count") - value(before, "linli_reply_seconds_count") == 2


def test_under_gunicorn_a_scrape_adds_up_what_the_forked_workers_counted(tmp_path: Any) -> None:
    """serve --workers N: the metrics module (and prometheus_client) is imported long before the folder is set."""
    import subprocess
    import sys

    from bot.config import REPO_ROOT

    code = f"""
import os
from bot.ops import metrics  # imported first, as the CLI does
metrics.prepare_multiprocess({str(tmp_path / "prom")!r})
for _ in range(2):
    pid = os.fork()
    if pid == 0:  # a worker
        metrics.observe_message("text", "faq.answer", 0.01)
        os._exit(0)
    os.waitpid(pid, 0)
print(metrics.render(None)[0].decode())
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _value(done.stdout, 'linli_messages_total{type="text"}') == 2
    assert _value(done.stdout, 'linli_routed_total{outcome="faq.answer"}') == 2
    assert _value(done.stdout, "linli_reply_seconds_count") == 2


def test_a_processs_first_messages_on_several_threads_all_count() -> None:
    """The instruments are made on first use: threads arriving together must not make them twice."""
    import subprocess
    import sys

    from bot.config import REPO_ROOT

    code = """
import threading, time
from bot.ops import metrics
made = metrics._Instruments.__init__
def slowly(self):
    time.sleep(0.05)  # widen the window between the check and the assignment
    made(self)
metrics._Instruments.__init__ = slowly
errors = []
def message():
    try:
        metrics.observe_message("text", "faq.answer", 0.01)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=message) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
assert errors == [], errors
print(metrics.render(None)[0].decode())
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _value(done.stdout, 'linli_messages_total{type="text"}') == 4


def test_the_worker_serves_its_sends_and_missed_jobs() -> None:
    """Sends and job runs are counted in the worker process, which serve's /metrics cannot see."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    import requests

    from bot.jobs.worker import _count_missed

    metrics.observe_send("official_account", "error", 40164)
    _count_missed(SimpleNamespace(job_id="tickets.deadlines:catch-up",
                                  scheduled_run_time=datetime.now(UTC) - timedelta(hours=1)))
    server = metrics.serve_worker_metrics("127.0.0.1", 0)
    try:
        body = requests.get(f"http://127.0.0.1:{server.server_port}/", timeout=10).text
    finally:
        server.shutdown()
        server.server_close()
    assert 'linli_sends_total{channel="official_account",errcode="40164",result="error"}' in body
    assert _value(body, 'linli_job_runs_total{job="tickets.deadlines",result="missed"}') >= 1
