"""The tickets capability's dashboard block: today's counts, 30 days by category and grid, speed, satisfaction, alerts.

Counts follow the viewer's scope (a 网格员 sees their grids). Satisfaction counts
real answers only; 默认满意 closes are shown apart (``stats.compute``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from flask import render_template
from sqlalchemy import func, select

from handlers.tickets import stats
from handlers.tickets.admin import scope, texts
from handlers.tickets.escalation import overdue_condition
from models import OPEN_STATUSES, Category, Grid, Ticket

DAYS = 30


def _count(s: Any, query: Any) -> int:
    return s.scalar(select(func.count()).select_from(query.subquery())) or 0


def _bar(names: list[str], values: list[int], color: str) -> dict[str, Any]:
    """An ECharts option: horizontal bars, readable on a phone."""
    return {
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names[::-1]},
        "series": [{"type": "bar", "data": values[::-1], "barMaxWidth": 28, "itemStyle": {"color": color},
                    "label": {"show": True, "position": "right"}}],
    }


def _daily(days: list[str], values: list[int]) -> dict[str, Any]:
    """An ECharts option: one point a day, oldest to today, left to right.

    The axis holds the days newest first and is drawn inverted: ECharts thins a
    crowded category axis's labels counting from the first entry, so today's label
    is always the one kept (in date order it was often hidden, the axis seeming to
    end a day early).
    """
    return {
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": days[::-1], "inverse": True},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "line", "data": values[::-1], "smooth": True, "areaStyle": {}}],
    }


def render(view: Any) -> str:
    """The panel's HTML for ``view`` (bot.web.admin.access.AdminView)."""
    config = view.services.config
    now: datetime = view.now
    tz = config.tz
    midnight = datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz)
    since = midnight - timedelta(days=DAYS - 1)  # the 30 days the chart shows, today the last
    with view.services.db.session() as s:
        where = scope.scope_of(s, config, view.viewer.role, view.viewer.person_id).condition()
        base = select(Ticket.id)
        if where is not None:
            base = base.where(where)
        today = {
            "new": _count(s, base.where(Ticket.created_at >= midnight)),
            "open": _count(s, base.where(Ticket.status.in_(OPEN_STATUSES))),
            "overdue": _count(s, base.where(overdue_condition(now))),
            "escalated": _count(s, base.where(Ticket.status.in_(OPEN_STATUSES), Ticket.escalation_level > 0)),
            "urgent": _count(s, base.where(Ticket.status.in_(OPEN_STATUSES), Ticket.urgent.is_(True))),
        }
        recent = select(Ticket.category, Ticket.grid_id, Ticket.created_at).where(Ticket.created_at >= since)
        if where is not None:
            recent = recent.where(where)
        rows = s.execute(recent).all()
        names = dict(s.execute(select(Category.slug, Category.name)).all())
        grids = dict(s.execute(select(Grid.id, Grid.name)).all())
        figures = stats.compute(s, config, now, since) if view.viewer.may(("staff",)) else None
        urgent_query = select(Ticket).where(Ticket.urgent.is_(True), Ticket.created_at >= now - timedelta(days=7)) \
            .order_by(Ticket.created_at.desc()).limit(10)
        if where is not None:
            urgent_query = urgent_query.where(where)
        alerts = [{"number": t.number, "category": names.get(t.category, t.category), "location": t.location,
                   "created_at": t.created_at, "status": t.status,
                   # a merged (cancelled) or closed alert waits for nobody's acknowledgement any more
                   "ended": texts.STATUS_NAMES.get(t.status) if t.status not in OPEN_STATUSES else None,
                   "ack_minutes": round(((t.acknowledged_at or t.accepted_at) - t.created_at).total_seconds() / 60)
                   if (t.acknowledged_at or t.accepted_at) else None}
                  for t in s.scalars(urgent_query)]
    by_category = Counter(names.get(c, c) for c, _, _ in rows).most_common(12)
    by_grid = Counter(grids.get(g, "-") if g else "-" for _, g, _ in rows).most_common(12)
    per_day = Counter(at.astimezone(tz).strftime("%m-%d") for _, _, at in rows)
    days = [(now.astimezone(tz) - timedelta(days=n)).strftime("%m-%d") for n in range(DAYS - 1, -1, -1)]
    charts = {
        "daily": _daily(days, [per_day.get(d, 0) for d in days]),
        "category": _bar([n for n, _ in by_category], [v for _, v in by_category], "#0172ad"),
        "grid": _bar([n for n, _ in by_grid], [v for _, v in by_grid], "#07c160"),
    }
    return render_template("tickets_admin/panel.html", today=today, charts=charts, figures=figures, alerts=alerts,
                           total_30=len(rows), days=DAYS)
