"""sweep: run the periodic sweeps once, as of a chosen time."""

from __future__ import annotations

import logging
import os
import re
from datetime import timedelta

import click

from bot import texts, workcalendar
from bot.cli.common import CONFIG_OPTION, build_services, load_cli_config, local_time, require_schema

log = logging.getLogger("bot")


SWEEP_LEASE_MINUTES = 10
DURATION = re.compile(r"(\d+)\s*([dhm])")
DURATION_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(value: str) -> timedelta:
    """"26h", "90m", "2d", "1d2h30m" → a timedelta; anything else is refused."""
    text = value.strip().lower()
    parts = DURATION.findall(text)
    if not parts or DURATION.sub("", text).strip():
        raise click.BadParameter(f"{value!r}: use a number and d/h/m, e.g. 26h, 90m, 1d2h")
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{DURATION_UNITS[unit]: int(amount)})
    return total


@click.command()
@CONFIG_OPTION
@click.option("--at", "at", default=None, help='Local time to run as, e.g. "2026-11-23 10:00" (default: now).')
@click.option("--in", "ahead", default=None,
              help='Run as of this long from now, e.g. "26h", "90m", "2d" (works on any date; a time in the quiet '
                   'hours runs as of their end; not with --at).')
def sweep(config_path: str | None, at: str | None, ahead: str | None) -> None:
    """Run every periodic sweep once, as of a chosen time, and show what they queued.

    Deadlines (reminders, escalation, ratings, default closes) and media
    downloads: the demo can show an escalation without waiting. One run climbs
    every rung whose deadline passed by --at. Each sweep takes the same lease
    as the worker, so a sweep a live worker is running is skipped, not doubled.
    Safe to repeat: a second run at the same time queues nothing new.
    """
    from datetime import UTC

    from sqlalchemy import func, select

    from bot.jobs import scheduler
    from models import OutboxMessage

    if at and ahead:
        raise click.UsageError("--at and --in are alternatives: give one")
    shift = parse_duration(ahead) if ahead else None
    config = load_cli_config(config_path)
    services = build_services(config, warm=False)
    require_schema(services.db)
    now = local_time(config, at).astimezone(UTC) if at else services.clock.now()
    if shift is not None:
        now += shift
        # A relative time that lands in the quiet hours would hold every ordinary step until the morning:
        # run as of the end of the quiet hours instead (and say so), so `--in 26h` shows the same at any hour.
        quiet_end = workcalendar.quiet_until(now, workcalendar.parse_hhmm(config.tickets.quiet_start),
                                             workcalendar.parse_hhmm(config.tickets.quiet_end), config.tz)
        if quiet_end is not None:
            now = quiet_end
            click.echo(texts.CLI_SWEEP_AFTER_QUIET.format(at=now.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")))
    scheduler.register(services.registry.jobs(services))
    with services.db.session() as s:
        before = s.scalar(select(func.max(OutboxMessage.id))) or 0
    wall = services.clock.now()
    owner = f"cli:{os.getpid()}"
    for job in scheduler.sweeps():
        # The worker's lease: never beside a live worker's run of the same sweep.
        count = scheduler.run_job(services.db, job.name, job.func, not_run_since=wall + timedelta(seconds=1),
                                  now=wall, owner=owner, lease=timedelta(minutes=SWEEP_LEASE_MINUTES), as_of=now)
        click.echo(f"{job.name}: {count}" if count is not None else texts.CLI_SWEEP_BUSY.format(job=job.name))
    with services.db.session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.id > before).order_by(OutboxMessage.id)).all()
        for row in rows:
            p = row.payload
            if p.get("msgtype") == "msgmenu":
                text = p["head_content"] + " " + " ".join(f"[{o['content']}]" for o in p.get("list", []))
            else:
                text = p.get("text") or p
            click.echo(texts.CLI_SWEEP_PUSHED.format(recipient=row.recipient, kind=row.kind, text=text))
