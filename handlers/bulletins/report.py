"""The delivery report of one run: sent, failed, pending and skipped, per rung, with the reasons.

The deliveries say what was planned (the rung chosen at fan-out, or why none could be);
the outbox rows they queued say what happened since (sent, failed, dead, still pending) and
which rung finally delivered (``delivered_via``: a customer-service message WeChat refused
with 45015 shows up as delivered by ``template``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import BulletinDelivery, BulletinRun, BulletinSeries, DeliveryStatus, OutboxMessage, OutboxStatus

FAILED_REASONS_SHOWN = 10


def run_summary(run: BulletinRun, slug: str) -> dict[str, Any]:
    return {
        "id": run.id, "series": slug, "day": run.day.isoformat(), "post": run.post_id or None,
        "slot_at": run.slot_at.isoformat(), "status": run.status, "attempts": run.attempts,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "recipients": run.recipients, "queued": run.queued, "skipped": run.skipped, "showed": run.kind or None,
    }


def run_report(db: Session, run_id: int) -> dict[str, Any] | None:
    """Counts for the run: totals, per planned rung, per delivering rung, skipped and failed reasons."""
    run = db.get(BulletinRun, run_id)
    if run is None:
        return None
    series = db.get(BulletinSeries, run.series_id)
    # A run is its (series, day, post): the unique key's leading columns find its deliveries.
    of_run = (BulletinDelivery.series_id == run.series_id, BulletinDelivery.day == run.day,
              BulletinDelivery.post_id == run.post_id)
    joined = (
        select(BulletinDelivery.status, BulletinDelivery.rung, BulletinDelivery.reason, OutboxMessage.status,
               OutboxMessage.delivered_via, func.count())
        .select_from(BulletinDelivery)
        .outerjoin(OutboxMessage, OutboxMessage.idempotency_key == BulletinDelivery.outbox_key)
        .where(*of_run)
        .group_by(BulletinDelivery.status, BulletinDelivery.rung, BulletinDelivery.reason, OutboxMessage.status,
                  OutboxMessage.delivered_via)
    )
    totals = {"recipients": 0, "sent": 0, "failed": 0, "pending": 0, "skipped": 0}
    by_rung: dict[str, dict[str, int]] = {}
    delivered_via: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for status, rung, reason, outbox_status, via, count in db.execute(joined):
        totals["recipients"] += count
        if status == DeliveryStatus.SKIPPED:
            totals["skipped"] += count
            skipped[reason or "unknown"] = skipped.get(reason or "unknown", 0) + count
            continue
        outcome = _outcome(outbox_status)
        totals[outcome] += count
        rung_counts = by_rung.setdefault(rung or "unknown", {"queued": 0, "sent": 0, "failed": 0, "pending": 0})
        rung_counts["queued"] += count
        rung_counts[outcome] += count
        if outcome == "sent":
            delivered_via[via or "unknown"] = delivered_via.get(via or "unknown", 0) + count
    failures = db.execute(
        select(OutboxMessage.last_error, func.count().label("n"))
        .select_from(BulletinDelivery)
        .join(OutboxMessage, OutboxMessage.idempotency_key == BulletinDelivery.outbox_key)
        .where(*of_run,
               OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.DEAD]))
        .group_by(OutboxMessage.last_error)
        .order_by(func.count().desc())
        .limit(FAILED_REASONS_SHOWN)
    ).all()
    return {
        "run": run_summary(run, series.slug if series else ""),
        "totals": totals,
        "by_rung": by_rung,
        "delivered_via": delivered_via,
        "skipped_reasons": skipped,
        "failed_reasons": [{"error": error or "", "count": count} for error, count in failures],
    }


def _outcome(outbox_status: str | None) -> str:
    if outbox_status == OutboxStatus.SENT:
        return "sent"
    if outbox_status in (OutboxStatus.FAILED, OutboxStatus.DEAD):
        return "failed"
    return "pending"  # pending, sending (or the row was purged)
