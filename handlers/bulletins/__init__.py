"""Daily bulletins (今日党史, 社区公告, 健康小贴士 …): content, subscriptions, pull, scheduled fan-out, editorial API.

What it brings: the dated content model and its rendering (calendar.py, render.py), the chat
intents subscriptions.subscribe / unsubscribe / list and bulletins.show, a BULLETIN menu key,
a QR scene that subscribes on follow and the end of every subscription on unfollow (chat.py),
the cron job that fans due series out through the outbox (jobs.py, fanout.py), the import
section ``bulletins`` with the shipped 今日党史 series (importing.py, data/bulletins.yaml), the
editorial JSON API (api.py, report.py) and its health check (health.py).
"""

from __future__ import annotations

from bot.config import REPO_ROOT
from handlers.bulletins import admin, api, chat, health, importing, jobs
from handlers.bulletins.capability import cap

cap.imports(importing.SECTION, order=60)(importing.import_bulletins)
cap.defaults(REPO_ROOT / "data" / "bulletins.yaml")
cap.jobs(jobs.bulletin_jobs)
cap.api(api.bp, schemas=api.SCHEMAS, paths=api.openapi_paths)
cap.health(health.check_series)
cap.admin(*admin.MENU, blueprint=admin.bp)  # series, calendar, preview, test send, reports (admin/)
cap.dashboard(admin.PANEL)

__all__ = ["cap", "chat"]
