"""What ``doctor`` checks for bulletins: schedules that parse, robots that exist, template ids for the template rung."""

from __future__ import annotations

from typing import Any

from bot.delivery.channels import console_mode
from handlers.bulletins import service
from models import AudienceKind, Rung


def check_series(services: Any) -> list[str]:
    """Problems of the enabled series, each with its fix; [] when healthy."""
    config = services.config
    problems: list[str] = []
    with services.db.session() as s:
        for series in service.enabled_series(s):
            cron = service.cron_of(series, config)
            if problem := service.check_cron(cron):
                problems.append(f"bulletin series {series.slug}: cron {cron!r} is invalid ({problem}); fix it in the API")
            if series.audience == AudienceKind.ROBOTS and not console_mode(config):
                missing = [name for name in series.audience_targets or [] if name not in config.robots]
                if missing:
                    problems.append(f"bulletin series {series.slug}: robots {missing} are not in `robots`; add their "
                                    "webhook keys to config.yaml")
            if Rung.TEMPLATE in (series.ladder or []) and not service.template_id_of(series, config):
                problems.append(f"bulletin series {series.slug}: the ladder has a template rung but no template id; "
                                "set templates.bulletin in config.yaml (or the series' template_id), otherwise "
                                "subscribers outside the 48-hour window are skipped")
    return problems
